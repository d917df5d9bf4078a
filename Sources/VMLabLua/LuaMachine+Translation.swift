import LuaKit
import VMLab

/// The translation hardware of `vm.machine` seen from Lua: `m.cpus`, `m:cpu`,
/// `m:tlb`, `m:batch`, `m.kernel_cpu` and batch replay with `m:run`.
extension LuaMachine {
    static func installTranslation(on cls: LuaClass<Machine>, cpus: LuaClass<CPUHandle>, tlbs: LuaClass<TLBHandle>,
                                   spaces: LuaClass<PageTable>, traces: LuaClass<TraceHandle>, processes: LuaClass<Process>) {
        cls.property("cpus", doc: "The CPUs (vm.cpu), a list: m.cpus[1] is CPU 0.", get: { m, call in
            call.push(m.cpus.map { cpus.instance(CPUHandle($0, of: m)) })
        })
        cls.property("kernel_cpu", doc: """
            The CPU number on which the kernel changes mappings: the initiator of TLB shootdowns (its own entries are
            invalidated locally, the other CPUs that ran the space get IPIs). Assignable.
            """, get: { m, call in call.push(m.processors.kernelCPU) },
            set: { m, call in try m.processors.setKernelCPU(try call.integer(2)) })

        cls.method("cpu", signature: "m:cpu(id) -> vm.cpu", doc: "CPU number id (0-based). An id out of range is an error.") { m, call in
            call.push(CPUHandle(try m.cpu(try call.integer(2)), of: m), as: cpus)
        }
        cls.method("tlb", signature: "m:tlb(name [, cpu]) -> vm.tlb", doc: """
            The TLB structure called name ("L1d", "L2", … or a page-walk cache "PWC PML4") of a CPU (a vm.cpu or its
            number, default 0); a shared structure is the same for every CPU. An unknown name lists the known ones.
            """) { m, call in
            let name = try call.string(2)
            let cpu: CPU
            if call.isNoneOrNil(3) {
                cpu = try m.cpu(0)
            } else if call.type(3) == LuaType.number {
                cpu = try m.cpu(try call.integer(3))
            } else {
                cpu = try call.object(3, cpus).cpu
            }
            if let i = cpu.pageWalkCaches.firstIndex(where: { $0.name == name }) {
                return call.push(TLBHandle(cpu.pageWalkCaches[i], of: m, pageWalkCacheLevel: cpu.pageWalkCacheLevels[i]), as: tlbs)
            }
            return call.push(TLBHandle(try cpu.tlb(named: name), of: m), as: tlbs)
        }
        cls.method("batch", signature: "m:batch(f) -> ...", doc: """
            Calls f() with TLB shootdowns batched: every mapping change inside (unmap, protect…) invalidates locally at
            once, and the remote CPUs get one round of IPIs at the end (one per CPU, however many changes). Returns
            what f returns; an error in f still ends the batch (and sends its round) before it propagates.
            """) { m, call in
            let f = try call.function(2)
            let processors = m.processors
            processors.beginBatch()
            defer { processors.endBatch() }
            let results = try call.state.call(f)
            for value in results { value.push(to: call.L) }
            return Int32(results.count)
        }
        cls.method("set_tlb_refill", signature: "m:set_tlb_refill(f | nil)", doc: """
            The refill handler of a software-managed TLB (vm.machine{software_tlb = true}): on a miss in every TLB level
            the CPU takes a refill exception (costs.tlb_refill cycles) and calls f(miss) with miss = { va=, vpn=, op=,
            privilege=, asid=, cpu= }. f finds the translation wherever it likes (any table in m:read memory, a Lua
            table…) and writes it with miss.cpu:tlbwr{va=, pa=, …} or :tlbwi(index, {…}); the access is then retried.
            Returning false means no translation: the access takes a page fault ("no translation (TLB refill
            handler)"). Returning without writing a matching entry, or raising, stops the run with an error.
            nil restores the built-in handler, which walks the space's page tables (costs.memory_reference per entry).
            m:set_tlb_refill(function(miss)
              local frame = my_table[miss.vpn]; if not frame then return false end
              miss.cpu:tlbwr{ va = miss.vpn * 4096, pa = frame * 4096, w = true, u = true }
            end)
            """) { m, call in
            guard m.processors.configuration.softwareTLB else {
                throw LuaScriptError("m:set_tlb_refill: this machine's TLB is refilled by hardware (make it with software_tlb = true)")
            }
            if call.isNoneOrNil(2) {
                m.processors.refillHandler = nil
                return 0
            }
            let f = try call.function(2)
            let state = call.state
            let pageBits = UInt64(m.mode.pageBits)
            m.processors.refillHandler = { [unowned m] miss in
                guard let cpu = try? m.cpu(miss.cpu) else { return .failed("TLB refill handler: no CPU \(miss.cpu)") }
                let record = LuaRecord([
                    ("va", miss.va.lua), ("vpn", (miss.va >> pageBits).lua), ("op", miss.access.description),
                    ("privilege", miss.privilege == .user ? "user" : "kernel"), ("asid", miss.tag),
                    ("cpu", cpus.instance(CPUHandle(cpu, of: m))),
                ])
                do {
                    let results = try state.call(f, [record])
                    return results.first == .boolean(false) ? .noTranslation : .installed
                } catch {
                    return .failed("TLB refill handler: \((error as? LuaError)?.message ?? "\(error)")")
                }
            }
            return 0
        }
        cls.method("run", signature: "m:run(target, trace [, {limit=, privilege=, progress=, every=, map=}]) -> table", doc: """
            Replays a trace entirely in Swift. target: a vm.process (its accesses through the kernel CPU's MMU, every
            fault handled by the kernel as for p:read/p:write; map = true first maps any page the trace touches that no
            VMA covers, so a trace of another program runs in a fresh process; returns { accesses=, minor_faults=,
            major_faults=, mapped_pages= }; a SIGSEGV stops the run with that error), a vm.cpu (through its TLBs,
            page-walk caches and walker, on the space it runs; returns { accesses=, tlb_hits=, walks=, pwc_hits=,
            faults=, cycles=, hit_rate=, amat=, first_fault= }; faults are counted, not handled) or a
            vm.address_space (the walker alone; { accesses=, faults=, refs=, cycles= }).
            limit: accesses at most (the rest of the trace stays for a later run); privilege: "user" (default) or
            "kernel"; progress: a function called with the number of accesses done every `every` (default 1,000,000)
            accesses and at the end — returning false stops the run. Faults are counted, not handled. Ctrl-C and the
            script's limits stop a long run between batches.
            """) { m, call in
            let handle = try call.object(3, traces)
            let options = try LuaRun(call, 4, function: "run")
            if let process = try? call.object(2, processes) {
                let kernel = try m.kernel
                var total = ProcessRunSummary()
                total.accesses = try options.replay(handle, state: call.state) { batch in
                    _ = try LuaProcess.access(kernel) { () throws(KernelError) in
                        let s = try kernel.run(process, batch, mapMissing: options.mapMissing)
                        total.minorFaults += s.minorFaults
                        total.majorFaults += s.majorFaults
                        total.mappedPages += s.mappedPages
                        return Int32(s.accesses)
                    }
                }
                return call.push(LuaRecord([("accesses", total.accesses), ("minor_faults", total.minorFaults),
                                            ("major_faults", total.majorFaults), ("mapped_pages", total.mappedPages)]))
            }
            if let cpu = try? call.object(2, cpus) {
                return call.push(try LuaCPU.run(cpu.cpu, handle, options, state: call.state))
            }
            guard let space = try? call.object(2, spaces) else { throw call.typeError(2, "vm.process, vm.cpu or vm.address_space") }
            let result = try LuaAddressSpace.replay(handle, on: space, options, state: call.state)
            return call.push(LuaRecord([("accesses", result.accesses), ("faults", result.faults), ("refs", result.references),
                                        ("cycles", result.references * m.costs.memoryReference)]))
        }
    }

    /// Machine-wide counters of the translation hardware: per-structure totals over the CPUs,
    /// per-CPU counters, shootdowns.
    static func translationStats(_ m: Machine, into r: inout LuaRecord) {
        let processors = m.processors
        var byName: [(String, [TLBStats])] = []
        for cpu in processors.cpus {
            for structure in cpu.tlbs + cpu.pageWalkCaches where !(structure.isShared && cpu.index > 0) {
                if let i = byName.firstIndex(where: { $0.0 == structure.name }) {
                    byName[i].1.append(structure.stats)
                } else {
                    byName.append((structure.name, [structure.stats]))
                }
            }
        }
        var tlb = LuaRecord()
        for (name, list) in byName { tlb.set(name, LuaTLB.stats(LuaTLB.total(list))) }
        r.set("tlb", tlb)
        r.set("cpus", processors.cpus.map(LuaCPU.stats))
        let s = processors.stats
        r.set("shootdowns", s.shootdowns)
        r.set("ipis", s.ipis)
        r.set("context_switches", s.contextSwitches)
        r.set("asid_rollovers", s.asidRollovers)
    }
}

import LuaKit
import VMLab

/// `vm.cpu`: one CPU of a machine — the address space it runs, its ASID, its
/// TLBs and page-walk caches, and the MMU pipeline (`cpu:access`, `cpu:run`).
enum LuaCPU {
    static let switchOptions = ["flush_global"]

    static func makeClass(machines: LuaClass<Machine>, spaces: LuaClass<PageTable>, tlbs: LuaClass<TLBHandle>, traces: LuaClass<TraceHandle>) -> LuaClass<CPUHandle> {
        let cls = LuaClass<CPUHandle>("vm.cpu", doc: """
            A CPU: its TLB structures, page-walk caches, current address space and ASID. m.cpus[1] is CPU 0.
            local cpu = m.cpus[1]
            cpu:switch(s)                          -- load CR3/satp with s's root
            local r = cpu:access(0x400000, "w")    -- { pa=, source="L1d" | "L2" | "walk" | "fault", cycles=, … }
            print(cpu.stats.amat)
            """)
        cls.tostring { h in
            let space = h.cpu.space.map { "running \(Units.hex($0.root))" } ?? "idle"
            return "vm.cpu(\(h.cpu.index), \(space), ASID \(h.cpu.currentTag))"
        }
        cls.property("id", doc: "The CPU number (0-based, as the hardware counts; m.cpus[id + 1]).", get: { h, call in call.push(h.cpu.index) })
        cls.property("space", doc: "The address space it runs (vm.address_space), or nil. It stays alive while the CPU runs it and the script holds the machine (see cpu:switch).", get: { h, call in
            guard let space = h.cpu.space else { return call.pushNil() }
            return call.push(space, as: spaces)
        })
        cls.property("asid", doc: "The tag its new TLB entries carry: the space's ASID/PCID with pcid = true, else the CPU number.",
                     get: { h, call in call.push(h.cpu.currentTag) })
        cls.property("pkru", doc: """
            The x86 PKRU register: bits 2k (AD, no data access) and 2k+1 (WD, no writes) for protection key k, checked
            on every data access to a user page (s:map with pkey=). Assignable; changing it flushes nothing.
            """, get: { h, call in call.push(Int(h.cpu.pkru)) }, set: { h, call in
                let value = try call.integer(2)
                guard value >= 0, value <= 0xffff_ffff else { throw LuaArgumentError(2, "PKRU is 32 bits, got \(value)") }
                h.cpu.pkru = UInt32(value)
            })
        cls.property("privilege", doc: "\"user\" or \"kernel\": what it runs at (the last access's, or cpu:enter's).",
                     get: { h, call in call.push(h.cpu.privilege == .user ? "user" : "kernel") })
        cls.property("tlbs", doc: "Its TLB structures (vm.tlb), in configuration order, shared ones included.", get: { h, call in
            call.push(h.cpu.tlbs.map { tlbs.instance(TLBHandle($0, of: h.machine)) })
        })
        cls.property("pwcs", doc: "Its page-walk caches (vm.tlb with a level field), root level first.", get: { h, call in
            call.push(zip(h.cpu.pageWalkCaches, h.cpu.pageWalkCacheLevels).map {
                tlbs.instance(TLBHandle($0.0, of: h.machine, pageWalkCacheLevel: $0.1))
            })
        })
        cls.property("stats", doc: """
            Counters: accesses, cycles (translation only), tlb_hits, walks, pwc_hits, faults, context_switches, flushes,
            ipis_sent, ipis_received, kpti_switches, refills (software TLB refill exceptions), hit_rate (TLB hits / accesses), amat (cycles per access), and tlb = { [name] = {hits=,
            misses=, hit_rate=, evictions=, fills=, flushes=, invalidations=} } for its own view of each structure.
            """, get: { h, call in call.push(stats(h.cpu)) })

        cls.method("switch", signature: "cpu:switch(space [, {flush_global=true}])", doc: """
            Context switch: makes space current (CR3/satp). Without PCIDs the CPU's non-global entries are flushed;
            with pcid = true the space keeps its ASID and its entries survive (ASIDs recycle with a rollover flush when
            asid_bits runs out). flush_global also drops global entries. Switching to a released space is an error.
            The space stays alive while the CPU runs it, as long as the script holds the machine (m); a space the CPU
            switched away from is collected once the script drops it.
            m.cpus[1]:switch(m:address_space())   -- no local needed: the CPU runs it until the next switch
            """) { h, call in
            let space = try call.object(2, spaces)
            var flushGlobal = false
            if !call.isNoneOrNil(3) {
                let t = try call.table(3)
                try t.checkOptions(switchOptions, function: "switch")
                flushGlobal = try t.boolean("flush_global") ?? false
            }
            try h.cpu.switchTo(space, flushGlobal: flushGlobal)
            // The CPU does not own its space (that would be a cycle through the machine): the machine's
            // Lua value keeps it, in the CPU's slot, until the next switch.
            try call.tie(2, to: h.machine, as: machines, slot: h.cpu.index)
            return 0
        }
        cls.method("access", signature: "cpu:access(va [, op [, privilege]]) -> table", doc: """
            One access through the MMU pipeline: TLB levels, then page-walk caches, then the walker. Returns
            { va=, pa=, page_size=, source= ("L1d", "L2"… or "walk" or "fault"), tlb_level= (0 for a walk),
            pwc_level= (upper level whose page-walk cache hit, or nil), refs= (memory references of the walk),
            cycles=, fault= (as in s:translate, on a fault) }. Faults are reported, not handled.
            """) { h, call in
            let va = try call.address(2)
            let r = try h.cpu.access(va, try call.accessKind(3), privilege: try call.privilege(4))
            return call.push(record(r, va: va, cpu: h.cpu))
        }
        cls.method("run", signature: "cpu:run(trace [, {limit=, privilege=, progress=, every=}]) -> table", doc: """
            Replays a trace through this CPU's MMU in Swift (the same as m:run(cpu, trace, options)).
            """) { h, call in
            call.push(try run(h.cpu, try call.object(2, traces), LuaRun(call, 3, function: "run"), state: call.state))
        }
        cls.method("enter", signature: "cpu:enter(privilege)", doc: """
            Runs at privilege ("user" or "kernel") from now on: a kernel entry (system call, interrupt) or a return to
            user mode. With kpti = true a change loads the other root: it costs costs.kpti_switch cycles and, without
            PCIDs, flushes the CPU's non-global entries. Accesses change the privilege the same way.
            """) { h, call in
            guard !call.isNoneOrNil(2) else { throw call.typeError(2, "string") }
            h.cpu.enter(try call.privilege(2))
            return 0
        }
        cls.method("syscall", signature: "cpu:syscall([n])", doc: """
            n system calls that touch no memory (default 1): enter the kernel and return to user mode n times — the bare
            price of KPTI (two root switches each).
            """) { h, call in
            let count = try call.optionalInteger(2) ?? 1
            guard count >= 0 else { throw LuaArgumentError(2, "count must not be negative") }
            for i in 0..<count {
                h.cpu.enter(.supervisor)
                h.cpu.enter(.user)
                if i & 0xffff == 0xffff, let stop = call.state.stopReason { throw LuaScriptError(stop.message) }
            }
            return 0
        }
        cls.method("tlbwr", signature: "cpu:tlbwr{va=, pa=, size=, w=, x=, u=, d=, g=, asid=, tlb=}", doc: """
            MIPS tlbwr: writes a translation of the page at va (aligned to size, default the base page size) to physical
            pa into a TLB structure (tlb = a name; default the first holding that size), in a way its replacement
            chooses. Flags: w writable, x executable, u user, d dirty (default true: clear it to trap the first write),
            g global; readable always. asid: default the CPU's current one. The tool of a software refill handler.
            """) { h, call in
            let entry = try LuaCPU.entry(call, 2, cpu: h.cpu)
            try h.cpu.tlbWriteRandom(va: entry.va, pa: entry.pa, pageBytes: entry.size, flags: entry.flags, dirty: entry.dirty,
                                     asid: entry.asid, structure: entry.structure)
            return 0
        }
        cls.method("tlbwi", signature: "cpu:tlbwi(index, {va=, pa=, size=, …})", doc: """
            MIPS tlbwi: like cpu:tlbwr, into slot index (set × ways + way, from 0) of the structure; the slot must be in
            the set the page maps to (t:set_index(va)).
            """) { h, call in
            let slot = try call.integer(2)
            let entry = try LuaCPU.entry(call, 3, cpu: h.cpu)
            try h.cpu.tlbWriteIndexed(slot: slot, va: entry.va, pa: entry.pa, pageBytes: entry.size, flags: entry.flags,
                                      dirty: entry.dirty, asid: entry.asid, structure: entry.structure)
            return 0
        }
        cls.method("pkey_set", signature: "cpu:pkey_set(key, \"rw\" | \"r\" | \"none\")", doc: """
            Like pkey_set(3)/WRPKRU: allows key's pages read-write, read-only, or no data access at all, by setting its
            two PKRU bits. No page table changes and no TLB flush: the next access is checked against the new value.
            """) { h, call in
            let key = try call.integer(2)
            guard (0...15).contains(key) else { throw LuaArgumentError(2, "protection keys are 0…15, got \(key)") }
            let access = try call.string(3)
            guard let value = ProtectionKeys.setting(h.cpu.pkru, key: key, allow: access) else {
                throw LuaArgumentError(3, "\"rw\", \"r\" or \"none\" expected, got \"\(access)\"")
            }
            h.cpu.pkru = value
            return 0
        }
        cls.method("invlpg", signature: "cpu:invlpg(va [, asid])", doc: """
            INVLPG: drops the entries for va tagged asid (default: the current one) and global ones from every
            structure of this CPU, and its page-walk-cache entries of that ASID.
            """) { h, call in
            h.cpu.invlpg(try call.address(2), asid: try call.optionalInteger(3) ?? h.cpu.currentTag)
            return 0
        }
        cls.method("flush", signature: "cpu:flush([{asid=n} | {global=true}])", doc: """
            Drops entries from every structure and page-walk cache of this CPU: with asid = n the non-global entries of
            that ASID; with global = true everything; with no argument every non-global entry (a CR3 write without PCIDs).
            """) { h, call in
            try LuaTLB.flush(call, 2, all: h.cpu.flushAll, asid: h.cpu.flush(asid:), nonGlobal: h.cpu.flushNonGlobal)
            return 0
        }
        cls.method("reset_stats", signature: "cpu:reset_stats()", doc: "Sets the CPU's counters and those of its structures to zero.") { h, _ in
            h.cpu.resetStats()
            for tlb in h.cpu.tlbs + h.cpu.pageWalkCaches { tlb.resetStats() }
            return 0
        }
        cls.metamethod("__eq") { call in
            let a = try call.object(1, cls), b = try call.object(2, cls)
            return call.push(a.cpu === b.cpu)
        }
        return cls
    }

    static let entryOptions = ["va", "pa", "size", "w", "x", "u", "d", "g", "asid", "tlb"]

    /// The `{va=, pa=, size=, w=, x=, u=, d=, g=, asid=, tlb=}` of tlbwr/tlbwi at argument `i`.
    static func entry(_ call: LuaCall, _ i: Int32, cpu: CPU) throws
        -> (va: UInt64, pa: UInt64, size: UInt64, flags: MapFlags, dirty: Bool, asid: Int?, structure: TLB?) {
        let t = try call.table(i)
        try t.checkOptions(entryOptions, function: "tlb write")
        guard let va = try t.integer("va"), let pa = try t.integer("pa") else { throw LuaArgumentError(i, "va and pa are required") }
        var size = cpu.processors.machine.mode.pageBytes
        if case let value = t.value("size"), value != .nil {
            do { size = try VMModule.size(value) } catch { throw LuaArgumentError(i, "field 'size': \(error)") }
        }
        let flags = MapFlags(writable: try t.boolean("w") ?? false, user: try t.boolean("u") ?? false,
                             executable: try t.boolean("x") ?? false, global: try t.boolean("g") ?? false)
        let structure = try t.string("tlb").map { name throws -> TLB in try cpu.tlb(named: name) }
        return (UInt64(bitPattern: Int64(va)), UInt64(bitPattern: Int64(pa)), size, flags, try t.boolean("d") ?? true,
                try t.integer("asid"), structure)
    }

    /// Replays a trace through `cpu`'s MMU; the summary as a Lua table.
    static func run(_ cpu: CPU, _ handle: TraceHandle, _ options: LuaRun, state: LuaState) throws -> LuaRecord {
        var total = RunSummary()
        total.accesses = try options.replay(handle, state: state) { batch in
            let s = try cpu.run(batch, privilege: options.privilege)
            total.tlbHits += s.tlbHits
            total.walks += s.walks
            total.pageWalkCacheHits += s.pageWalkCacheHits
            total.faults += s.faults
            total.cycles += s.cycles
            if total.firstFault == nil { total.firstFault = s.firstFault }
        }
        var r = LuaRecord([
            ("accesses", total.accesses), ("tlb_hits", total.tlbHits), ("walks", total.walks),
            ("pwc_hits", total.pageWalkCacheHits), ("faults", total.faults), ("cycles", total.cycles),
            ("hit_rate", total.accesses == 0 ? 0 : Double(total.tlbHits) / Double(total.accesses)), ("amat", total.amat),
        ])
        if let f = total.firstFault { r.set("first_fault", LuaAddressSpace.fault(f, mode: cpu.processors.machine.mode)) }
        return r
    }

    /// One access's result as a Lua table.
    static func record(_ r: MMUResult, va: UInt64, cpu: CPU) -> LuaRecord {
        var t = LuaRecord([
            ("va", va.lua), ("source", cpu.source(of: r)), ("tlb_level", r.tlbLevel), ("refs", r.references), ("cycles", r.cycles),
        ])
        if r.pageWalkCacheLevel >= 0 { t.set("pwc_level", r.pageWalkCacheLevel) }
        if let f = r.fault {
            t.set("fault", LuaAddressSpace.fault(f, mode: cpu.processors.machine.mode))
        } else {
            t.set("pa", r.physicalAddress.lua)
            t.set("page_size", Int(r.pageBytes))
        }
        return t
    }

    /// A CPU's counters, with its view of each TLB structure.
    static func stats(_ cpu: CPU) -> LuaRecord {
        let s = cpu.statistics
        var tlb = LuaRecord()
        for structure in cpu.tlbs + cpu.pageWalkCaches { tlb.set(structure.name, LuaTLB.stats(structure.stats)) }
        return LuaRecord([
            ("accesses", s.accesses), ("cycles", s.cycles), ("tlb_hits", s.tlbHits), ("walks", s.walks),
            ("pwc_hits", s.pageWalkCacheHits), ("faults", s.faults), ("context_switches", s.contextSwitches),
            ("flushes", s.flushes), ("ipis_sent", s.ipisSent), ("ipis_received", s.ipisReceived), ("kpti_switches", s.kptiSwitches),
            ("refills", s.refills),
            ("hit_rate", s.accesses == 0 ? 0 : Double(s.tlbHits) / Double(s.accesses)), ("amat", s.amat), ("tlb", tlb),
        ])
    }
}

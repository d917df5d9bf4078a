import LuaKit
import VMLab

/// The kernel's methods on `vm.machine`: processes, files, events, the fault handler, check.
extension LuaMachine {
    /// Installs the kernel's methods; returns the `vm.process` class (for `m:run`).
    @discardableResult
    static func installKernel(on cls: LuaClass<Machine>, in state: LuaState) -> LuaClass<Process> {
        let files = LuaClass<MemoryObject>("vm.file", doc: """
            A file of the machine's simulated file store. Its pages are shared through the page cache: every process
            mapping it maps the same frames, and writes through shared mappings are what f:read() returns.
            """)
        files.tostring { f in "vm.file(\(f.name), \(Units.size(f.size)))" }
        files.property("name", doc: "The file's name.", get: { f, call in call.push(f.name) })
        files.property("size", doc: "Size in bytes.", get: { f, call in call.push(Int(f.size)) })
        files.property("cached_pages", doc: "Pages in the page cache.", get: { f, call in call.push(f.cache.count) })
        files.property("reads", doc: "Pages read from the store (major faults).", get: { f, call in call.push(f.reads) })
        files.method("read", signature: "f:read() -> string", doc: "The file's bytes as readers see them (page cache over the stored bytes).") { f, call in
            call.push(LuaBytes(f.kernel?.readFile(f) ?? []))
        }
        state.register(files)
        let processes = LuaProcess.makeClass(files: files)
        LuaASLR.install(machines: cls, processes: processes)
        state.register(processes)
        let sessions = LuaFaultSession.makeClass()
        state.register(sessions)

        state.register("vm.segv_reason", signature: "vm.segv_reason(message) -> reason, detail | nil", doc: """
            The reason of a SIGSEGV error message (what pcall returned for an invalid access), e.g. "guard page", and
            its detail (what a fault handler's k:kill said); nil when the message is not a SIGSEGV.
            """) { call in
            guard let found = Segfault.reason(in: try call.string(1)) else { return call.pushNil() }
            return call.push(found.reason.rawValue, found.detail)
        }

        cls.method("spawn", signature: "m:spawn(name) -> vm.process", doc: """
            A new process with an empty user address space (and the kernel half, mapped supervisor-only). Its
            accesses run on the kernel CPU's MMU. Raises ENOMEM when no frame is left for its page tables.
            See help(vm.process).
            """) { m, call in
            let name = try call.optionalString(2) ?? "process"
            let k = try m.kernel
            return try LuaProcess.access(k) { () throws(KernelError) in call.push(try k.spawn(name), as: processes) }
        }
        cls.method("processes", signature: "m:processes() -> { vm.process… }", doc: "The live processes, by pid.") { m, call in
            let k = try m.kernel
            let list = k.processList.map { LuaObjectValue(object: $0, cls: processes) }
            return call.push(list)
        }
        cls.method("process", signature: "m:process(pid) -> vm.process | nil", doc: "The live process with that pid, or nil.") { m, call in
            guard let p = try m.kernel.process(try call.integer(2)) else { return call.pushNil() }
            return call.push(p, as: processes)
        }
        cls.method("file", signature: "m:file(name [, contents | size]) -> vm.file", doc: """
            With contents (a string) or a size: creates a file in the simulated file store. With the name only:
            the existing file (an error if there is none). Map it with p:mmap{ file = f, … }.
            """) { m, call in
            let k = try m.kernel
            let name = try call.string(2)
            if call.isNoneOrNil(3) {
                guard let f = k.files[name] else { throw LuaScriptError("m:file: no file named '\(name)'") }
                return call.push(f, as: files)
            }
            var contents: [UInt8] = []
            var size: UInt64?
            if call.type(3) == LuaType.string, (try? VMModule.size(call, 3)) == nil {
                contents = try call.bytes(3)
            } else {
                size = UInt64(try call.size(3))
            }
            let made = try LuaProcess.access(k) { () throws(KernelError) in
                call.push(try k.createFile(name, contents: contents, size: size), as: files)
            }
            return made
        }
        cls.method("on", signature: "m:on(kind, fn | nil)", doc: """
            Calls fn(event) for every kernel event of kind "fault", "cow", "segv", "mmap", "munmap", "fork", "exit", or
            of swap and reclaim: "evict" (va, pa, dirty, mappings; file and index for a page-cache page, "[shared]" for
            shared anonymous memory), "swap_out" (one per PTE: va, slot, written; shared = true for a shared page),
            "swap_in" (va, slot, pa), "writeback" (va, slot, pa), "oom" (pid killed, pages, requester), "table_swap_out"
            (va, slot) and "table_swap_in" (va, slot, pa) with swap = {page_tables = true}, or of the IOMMU:
            "dma_fault" (device, iova, access, reason: a DMA the IOMMU refused, see vm.device);
            event is a plain table: event (the kind), pid, and fields such as va, op and kind (how a fault was resolved). nil removes the handlers of that kind.
            An error in a handler is raised when the operation that caused the event returns.
            """) { m, call in
            let k = try m.kernel
            let kind = try call.string(2)
            guard KernelEvent.kinds.contains(kind) else {
                var message = "m:on: unknown event '\(kind)'"
                if let near = Suggestion.closest(to: kind, in: KernelEvent.kinds) { message += " (did you mean '\(near)'?)" }
                throw LuaScriptError(message + " (events: \(KernelEvent.kinds.joined(separator: ", ")))")
            }
            let bridge = LuaKernelBridge.of(k)
            if call.isNoneOrNil(3) { bridge.handlers[kind] = [] } else { bridge.handlers[kind, default: []].append(try call.function(3)) }
            bridge.updateObserver(k, state: call.state)
            return 0
        }
        cls.method("set_fault_handler", signature: "m:set_fault_handler(fn | nil)", doc: """
            Replaces the kernel's fault handler: fn(f, k) is called for every page fault of a process, with f = { va=,
            page=, op=, privilege=, reason= (the MMU's), error_code=, error_bits=, pid=, pte= (raw), present=, writable=,
            pa=, vma={…} or nil } and k the kernel primitives (help(vm.fault_kernel)): k:alloc_frame(), k:map(va, pa,
            prot), k:unmap(va), k:zero(pa), k:copy_frame(src, dst), k:swap_in(va), k:kill(reason), k:default(),
            k:refcount(pa), k:pte(va). The access is retried after fn returns; if it still faults after 4 tries, or fn
            raises, or calls k:kill, the process gets SIGSEGV. nil restores the built-in handler.
            """) { m, call in
            let k = try m.kernel
            let bridge = LuaKernelBridge.of(k)
            if call.isNoneOrNil(2) {
                bridge.faultHandler = nil
                k.faultHook = nil
                return 0
            }
            let fn = try call.function(2)
            bridge.faultHandler = fn
            k.faultHook = { [unowned k] context in
                let session = LuaFaultSession(kernel: k, context: context)
                try fn.state.call(fn, [session.record(), LuaObjectValue(object: session, cls: sessions)])
                if let segv = session.segv { throw segv }
            }
            return 0
        }
        cls.method("check", signature: "m:check() -> { string… }", doc: """
            Verifies the kernel's bookkeeping and returns the violations (an empty table when all is well): each
            frame's refcount/mapcount equals the PTEs and page-cache references pointing at it, no PTE points at a
            free frame or outside a VMA, COW pages are read-only, table pages are counted and reachable, VMAs are
            sorted and disjoint, nothing leaked; every TLB and page-walk-cache entry of a running space agrees with
            the page tables. With an inverted or hashed table (no kernel): the table's invariants (entries agree with
            the frames they map, chains well formed and in their buckets, groups right, counts) and the TLBs.
            """) { m, call in
            if let table = m.hashedPageTable { return call.push(table.check() + m.processors.checkTranslations()) }
            return call.push(try m.kernel.check())
        }
        cls.method("kernel_stats", signature: "m:kernel_stats() -> table", doc: "Kernel counters: processes, spawns, forks, exits, segvs, cow_copies, cow_reuses, fork_table_pages, files.") { m, call in
            let k = try m.kernel
            let c = k.counters
            return call.push(LuaRecord([
                ("processes", k.processes.count), ("spawns", c.spawns), ("forks", c.forks), ("exits", c.exits),
                ("segvs", c.segvs), ("cow_copies", c.cowCopies), ("cow_reuses", c.cowReuses),
                ("fork_table_pages", c.forkTablePages), ("files", k.files.count),
            ]))
        }
        return processes
    }
}

import LuaKit
import VMLab

/// `vm.process`: a process of the machine's kernel, with its system calls and accesses.
///
/// Conventions: a system call that fails returns `nil, "EINVAL: mmap: …"` (Linux errno first,
/// then what and where), so `assert(p:mmap{…})` raises with the message. An invalid access
/// raises a Lua error `SIGSEGV: pid 2 (name) write at 0x…: reason (process killed)`; the process is
/// killed unless `p.catch_segv = true`. Accessing a process that exited raises `ESRCH: …`.
/// Wrong argument types raise as in Lua.
enum LuaProcess {
    static let mmapOptions = ["addr", "size", "prot", "flags", "file", "offset"]
    static let mmapFlags = ["private", "anonymous", "fixed", "shared", "populate", "stack", "hugepage", "locked",
                            "reserve", "guard"]

    static func makeClass(files: LuaClass<MemoryObject>) -> LuaClass<Process> {
        let cls = LuaClass<Process>("vm.process", doc: """
            A process: an address space made of VMAs over a page table in simulated RAM, plus the kernel half.
            System calls return nil, "ERRNO: message" on failure; invalid accesses raise "SIGSEGV: …" and kill the
            process unless p.catch_segv = true.
            local p = m:spawn("shell")
            local heap = assert(p:mmap{ size = "1 MiB", prot = "rw-" })
            p:write(heap, 42); assert(p:read(heap) == 42)
            """)
        cls.tostring { p in "vm.process(\(p.pid), \(p.name)\(p.isAlive ? "" : ", exited"))" }
        cls.property("pid", doc: "Process id.", get: { p, call in call.push(p.pid) })
        cls.property("ppid", doc: "Parent's pid (0 for a spawned process).", get: { p, call in call.push(p.parentPID) })
        cls.property("name", doc: "The name (exec changes it).", get: { p, call in call.push(p.name) })
        cls.property("alive", doc: "False after exit or a fatal SIGSEGV.", get: { p, call in call.push(p.isAlive) })
        cls.property("exit_status", doc: "Exit status (139 after a fatal SIGSEGV).", get: { p, call in call.push(p.exitStatus) })
        cls.property("brk", doc: "The current program break.", get: { p, call in call.push(p.brk.lua) })
        cls.property("catch_segv", doc: "When true, a SIGSEGV raises an error but does not kill the process.",
                     get: { p, call in call.push(p.catchSegv) }, set: { p, call in p.catchSegv = call.boolean(2) })
        cls.property("stats", doc: """
            Memory and fault statistics (/proc/PID/smaps_rollup + counters): size, rss, pss, shared, private, swapped
            (bytes in swap: its swap entries, those inside page tables in swap, and the pages of its shared anonymous areas),
            locked, huge (resident in huge pages), anon_huge_pages (of those, in transparent huge pages: AnonHugePages), page_table_bytes (bytes), minor_faults, major_faults, demand_zero_faults, cow_copies, cow_reuses,
            stack_growths, page_cache_hits, accesses; with reclaim also swap_ins, swap_outs, wss (p:wss()) and pff (p:pff()).
            """, get: { p, call in call.push(stats(p)) })

        cls.method("vmas", signature: "p:vmas() -> { {start=, ['end']=, prot=, flags={…}, shared=, label=, offset=}, … }",
                   doc: "The VMAs, sorted by address. flags lists anonymous, shared, stack, guard, locked, huge, reserved, heap, huge_advised, no_huge (madvise nohugepage).") { p, call in
            call.push(p.vmas.map(vmaRecord))
        }
        cls.method("maps", signature: "p:maps() -> string", doc: "The VMAs as /proc/PID/maps prints them (start-end perms offset dev inode name).") { p, call in
            call.push(try kernel(p).maps(p))
        }
        cls.method("smaps", signature: "p:smaps() -> table", doc: "Same as p.stats.") { p, call in call.push(stats(p)) }
        LuaSwapProcess.install(on: cls)
        cls.method("pagetable", signature: "p:pagetable() -> string", doc: "The page table as a text tree (see s:dump()).") { p, call in
            call.push(p.space.isLive ? p.space.dump() : "")
        }

        // MARK: system calls
        cls.method("mmap", signature: "p:mmap{addr=, size=, prot=\"rw-\", flags={…}, file=, offset=} -> addr | nil, err", doc: """
            Maps size bytes (rounded up to pages; lazily: no frame until a page is touched). prot: letters r, w, x
            ("rw-" default, "---" or "none" for PROT_NONE). flags: "private" (default), "shared", "anonymous",
            "fixed" (exactly at addr, replacing what is there), "populate" (fault in now), "stack" (the range is the
            growth room of a stack: its top page is mapped, it grows down on faults, with a guard page below),
            "hugepage" (backed by huge pages, like MAP_HUGETLB: 2 MiB on x86_64; private anonymous only; the
            length is rounded up to and addr aligned on the huge-page size, and later munmap/mprotect ranges must
            be aligned too; with a pool from vm.machine{hugetlb_pages=N} the pages come from it, and a mapping larger
            than its free pages is ENOMEM; mmap checks but does not reserve, so a fault that finds the pool empty is
            SIGSEGV "out of memory" where Linux's MAP_NORESERVE gives SIGBUS), "locked" (mlock), "reserve" (address space only, like VirtualAlloc(MEM_RESERVE)),
            "guard" (every access is SIGSEGV "guard page"). file: a vm.file or a file name (pages shared through the
            page cache; with "shared" writes reach the file). Without "fixed", addr is a hint.
            """) { p, call in
            let (k, r) = try (kernel(p), try request(call, files: files, p))
            return try sys(call, k) { () throws(KernelError) in call.push(try k.mmap(p, r).lua) }
        }
        cls.method("munmap", signature: "p:munmap(addr, size) -> true | nil, err", doc: "Unmaps [addr, addr + size); holes are fine (like Linux).") { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            return try sys(call, k) { () throws(KernelError) in try k.munmap(p, a, n); return call.push(true) }
        }
        cls.method("mprotect", signature: "p:mprotect(addr, size, prot) -> true | nil, err", doc: """
            Changes the protection of [addr, addr + size), which must be mapped entirely (ENOMEM otherwise).
            """) { p, call in
            let k = try kernel(p); let (a, n, prot) = try (call.address(2), UInt64(try call.size(3)), try protection(call, 4))
            return try sys(call, k) { () throws(KernelError) in try k.mprotect(p, a, n, prot); return call.push(true) }
        }
        cls.method("brk", signature: "p:brk([addr]) -> break", doc: "Moves the program break (Linux: returns the new break, or the old one when it cannot move). p:brk() returns it.") { p, call in
            let k = try kernel(p); let a = try call.isNoneOrNil(2) ? 0 : call.address(2)
            return try sys(call, k) { () throws(KernelError) in call.push(try k.brk(p, a).lua) }
        }
        cls.method("sbrk", signature: "p:sbrk(increment) -> old_break | nil, err", doc: "Moves the break by increment bytes (negative shrinks); returns the old break.") { p, call in
            let k = try kernel(p); let n = try call.integer(2)
            return try sys(call, k) { () throws(KernelError) in call.push(try k.sbrk(p, n).lua) }
        }
        cls.method("mlock", signature: "p:mlock(addr, size) -> true | nil, err", doc: "Faults in [addr, addr + size) and pins its frames.") { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            return try sys(call, k) { () throws(KernelError) in try k.mlock(p, a, n); return call.push(true) }
        }
        cls.method("munlock", signature: "p:munlock(addr, size) -> true | nil, err", doc: "Unpins [addr, addr + size).") { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            return try sys(call, k) { () throws(KernelError) in try k.munlock(p, a, n); return call.push(true) }
        }
        cls.method("madvise", signature: "p:madvise(addr, size, advice) -> true | nil, err", doc: """
            advice: "dontneed" (drop the pages: anonymous memory reads zero again), "willneed" (fault in now),
            "hugepage", "nohugepage" (MADV_HUGEPAGE / MADV_NOHUGEPAGE: flags huge_advised / no_huge; with
            vm.machine{thp="madvise"} only advised areas get transparent huge pages, and no_huge refuses them even with "always").
            """) { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            let text = try call.string(4)
            guard let advice = Kernel.Advice(rawValue: text) else {
                throw LuaArgumentError(4, "advice must be one of \(Kernel.Advice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            return try sys(call, k) { () throws(KernelError) in try k.madvise(p, a, n, advice); return call.push(true) }
        }
        cls.method("reserve", signature: "p:reserve(size [, addr]) -> addr | nil, err", doc: """
            Windows-style VirtualAlloc(MEM_RESERVE): address space only; any access is SIGSEGV "reserved, not committed".
            """) { p, call in
            let k = try kernel(p); let n = UInt64(try call.size(2)); let a = try call.isNoneOrNil(3) ? nil : call.address(3)
            return try sys(call, k) { () throws(KernelError) in call.push(try k.reserve(p, length: n, address: a).lua) }
        }
        cls.method("commit", signature: "p:commit(addr, size [, prot]) -> true | nil, err", doc: "VirtualAlloc(MEM_COMMIT): the range becomes usable (prot default \"rw-\"), pages still demand-zero.") { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            let prot = call.isNoneOrNil(4) ? Protection.readWrite : try protection(call, 4)
            return try sys(call, k) { () throws(KernelError) in try k.commit(p, a, n, prot); return call.push(true) }
        }
        cls.method("decommit", signature: "p:decommit(addr, size) -> true | nil, err", doc: "VirtualFree(MEM_DECOMMIT): frees the pages; the range is reserved again.") { p, call in
            let k = try kernel(p); let (a, n) = try (call.address(2), UInt64(try call.size(3)))
            return try sys(call, k) { () throws(KernelError) in try k.decommit(p, a, n); return call.push(true) }
        }
        cls.method("fork", signature: "p:fork() -> vm.process | nil, err", doc: """
            Copy-on-write fork: the child shares every page; private pages become read-only in both and are copied
            on the first write. ENOMEM leaves nothing behind.
            """) { p, call in
            let k = try kernel(p)
            return try sys(call, k) { () throws(KernelError) in call.push(try k.fork(p), as: cls) }
        }
        cls.method("exec", signature: "p:exec(name) -> true | nil, err  /  p:exec(va) -> pa", doc: """
            With a string: exec — a fresh, empty address space (the old one is freed) and a new name.
            With an address: an instruction fetch at va through the MMU (faults handled; NX is SIGSEGV).
            """) { p, call in
            let k = try kernel(p)
            if call.type(2) == LuaType.string {
                let name = try call.string(2)
                return try sys(call, k) { () throws(KernelError) in try k.exec(p, name: name); return call.push(true) }
            }
            let va = try call.address(2)
            return try access(k) { () throws(KernelError) in call.push(try k.translate(p, va, .execute).lua) }
        }
        cls.method("exit", signature: "p:exit([status])", doc: "Ends the process: every page and page table is freed. Nothing happens on a dead process.") { p, call in
            let k = try kernel(p); let status = try call.optionalInteger(2) ?? 0
            k.exit(p, status: status)
            try LuaKernelBridge.of(k).raisePending()
            return 0
        }

        // MARK: accesses
        cls.method("read", signature: "p:read(va [, size]) -> integer", doc: "Reads a little-endian integer of size 1, 2, 4 or 8 bytes (default 8) through the MMU.") { p, call in
            let k = try kernel(p); let (va, width) = try (call.address(2), try call.optionalInteger(3) ?? 8)
            return try access(k) { () throws(KernelError) in call.push(try k.read(p, va, width: width).lua) }
        }
        cls.method("write", signature: "p:write(va, value [, size])", doc: "Writes the low size bytes (1, 2, 4 or 8; default 8) of value through the MMU.") { p, call in
            let k = try kernel(p)
            let (va, value, width) = try (call.address(2), UInt64(bitPattern: Int64(try call.integer(3))), try call.optionalInteger(4) ?? 8)
            return try access(k) { () throws(KernelError) in try k.write(p, va, value, width: width); return 0 }
        }
        cls.method("read_bytes", signature: "p:read_bytes(va, n) -> string", doc: "Reads n bytes as a string.") { p, call in
            let k = try kernel(p); let (va, n) = try (call.address(2), try call.integer(3))
            guard n >= 0 else { throw LuaArgumentError(3, "count must not be negative") }
            return try access(k) { () throws(KernelError) in call.push(LuaBytes(try k.readBytes(p, va, count: n))) }
        }
        cls.method("write_bytes", signature: "p:write_bytes(va, s)", doc: "Writes the bytes of string s.") { p, call in
            let k = try kernel(p); let (va, bytes) = try (call.address(2), try call.bytes(3))
            return try access(k) { () throws(KernelError) in try k.writeBytes(p, va, bytes); return 0 }
        }
        cls.method("fetch", signature: "p:fetch(va) -> pa", doc: "An instruction fetch at va (same as p:exec(va)).") { p, call in
            let k = try kernel(p); let va = try call.address(2)
            return try access(k) { () throws(KernelError) in call.push(try k.translate(p, va, .execute).lua) }
        }
        cls.method("touch", signature: "p:touch(va [, op]) -> pa", doc: "One access (\"r\", \"w\" or \"x\"; read by default) without data; returns the physical address.") { p, call in
            let k = try kernel(p); let (va, op) = try (call.address(2), try call.accessKind(3))
            return try access(k) { () throws(KernelError) in call.push(try k.translate(p, va, op).lua) }
        }
        cls.method("copy_to_user", signature: "p:copy_to_user(va, s) -> true | nil, err", doc: """
            The kernel writes s into the process's memory (supervisor accesses through the MMU: COW pages are copied
            first). EFAULT when the range is not writable user memory.
            """) { p, call in
            let k = try kernel(p); let (va, bytes) = try (call.address(2), try call.bytes(3))
            return try sys(call, k) { () throws(KernelError) in try k.copyToUser(p, va, bytes); return call.push(true) }
        }
        cls.method("translate", signature: "p:translate(va [, op]) -> table", doc: """
            Does one access (op "r", "w" or "x") and tells the whole story: { va=, pa=, faults={ kinds… }, tlb= (where
            the final translation was found: a TLB name or "walk"), refs=, cycles=, steps= { the page-table entries on
            the path, as in s:translate }, pte= { addr=, raw=, flags= }, vma= { … } }. An invalid access gives { segv = reason, killed = bool } instead of raising.
            """) { p, call in
            let k = try kernel(p); let (va, op) = try (call.address(2), try call.accessKind(3))
            return try story(call, k, p, va, op)
        }
        return cls
    }

    // MARK: helpers

    /// The kernel of `p`'s machine.
    static func kernel(_ p: Process) throws -> Kernel {
        guard let k = p.kernel else { throw LuaScriptError("the process's machine has no kernel") }
        return k
    }

    /// Runs a system call: errno → `nil, "ERRNO: …"`; SIGSEGV → error.
    static func sys(_ call: LuaCall, _ k: Kernel, _ body: () throws(KernelError) -> Int32) throws -> Int32 {
        let result: Result<Int32, KernelError>
        do throws(KernelError) { result = .success(try body()) } catch { result = .failure(error) }
        try LuaKernelBridge.of(k).raisePending()
        switch result {
        case .success(let n): return n
        case .failure(let error):
            if case .segv = error { throw LuaScriptError(error.description) }
            return call.fail(error.description)
        }
    }

    /// Runs an access: any failure raises.
    static func access(_ k: Kernel, _ body: () throws(KernelError) -> Int32) throws -> Int32 {
        let result: Result<Int32, KernelError>
        do throws(KernelError) { result = .success(try body()) } catch { result = .failure(error) }
        try LuaKernelBridge.of(k).raisePending()
        switch result {
        case .success(let n): return n
        case .failure(let error): throw LuaScriptError(error.description)
        }
    }

    static func story(_ call: LuaCall, _ k: Kernel, _ p: Process, _ va: UInt64, _ op: AccessKind) throws -> Int32 {
        var r = LuaRecord([("va", va.lua), ("op", op.description)])
        k.faultTrace = []
        defer { k.faultTrace = nil }
        do throws(KernelError) {
            let pa = try k.translate(p, va, op)
            let last = k.lastAccess
            r.set("pa", pa.lua)
            r.set("tlb", last.tlbLevel > 0 ? (k.machine.cpus.first.map { $0.source(of: last) } ?? "tlb") : "walk")
            r.set("refs", last.references)
            r.set("cycles", last.cycles)
            // The walk's entries, read again without counting (the access above set A/D already).
            let saved = k.machine.counters.values
            let walk = p.space.walk(va, access: op)
            k.machine.counters.values = saved
            r.set("steps", walk.steps.map { LuaAddressSpace.step(k.mode, $0) })
            if let m = try? p.space.lookup(va) {
                r.set("pte", LuaRecord([("addr", m.pteAddress.lua), ("raw", m.pte.raw.lua),
                                        ("flags", m.pte.flagText(k.mode.architecture))]))
            }
        } catch {
            if case let .segv(fault) = error {
                r.set("segv", fault.reason.rawValue)
                r.set("killed", fault.killed)
                r.set("message", fault.description)
            } else {
                r.set("error", error.description)
            }
        }
        r.set("faults", (k.faultTrace ?? []).map(\.rawValue))
        if let v = p.vma(containing: va) { r.set("vma", vmaRecord(v)) }
        try LuaKernelBridge.of(k).raisePending()
        return call.push(r)
    }

    static func vmaRecord(_ v: VMA) -> LuaRecord {
        var flags: [String] = []
        let names: [(VMAFlags, String)] = [(.anonymous, "anonymous"), (.shared, "shared"), (.stack, "stack"),
                                           (.guardRegion, "guard"), (.locked, "locked"), (.huge, "huge"),
                                           (.reserved, "reserved"), (.heap, "heap"), (.hugeAdvised, "huge_advised"),
                                           (.hugeRefused, "no_huge")]
        for (flag, name) in names where v.flags.contains(flag) { flags.append(name) }
        var r = LuaRecord([("start", v.start.lua), ("end", v.end.lua), ("size", Int(v.length)),
                           ("prot", v.protection.description), ("flags", flags), ("shared", v.isShared),
                           ("label", v.label), ("offset", Int(v.offset))])
        if v.flags.contains(.stack) { r.set("growth_limit", v.growthLimit.lua) }
        if let o = v.object, !o.isAnonymous { r.set("file", o.name) }
        return r
    }

    static func stats(_ p: Process) -> LuaRecord {
        let s = p.kernel?.memoryStats(p) ?? MemoryStats()
        let c = p.counters
        var r = LuaRecord([
            ("size", Int(s.size)), ("rss", Int(s.rss)), ("pss", s.pss), ("shared", Int(s.shared)),
            ("private", Int(s.privateBytes)), ("swapped", Int(s.swapped)), ("locked", Int(s.locked)), ("huge", Int(s.huge)),
            ("anon_huge_pages", Int(s.anonHuge)),
            ("page_table_bytes", Int(s.pageTableBytes)),
            ("minor_faults", c.minorFaults), ("major_faults", c.majorFaults), ("demand_zero_faults", c.demandZeroFaults),
            ("cow_copies", c.cowCopies), ("cow_reuses", c.cowReuses), ("stack_growths", c.stackGrowths),
            ("page_cache_hits", c.pageCacheHits), ("accesses", c.accesses),
        ])
        LuaSwapProcess.addStats(p, into: &r)
        return r
    }

    /// A protection argument: "rw-", "r-x", "rwx", "---", "none".
    static func protection(_ call: LuaCall, _ i: Int32) throws -> Protection {
        let text = try call.string(i)
        guard let prot = Protection(text: text) else {
            throw LuaArgumentError(i, "protection must be letters r, w, x (e.g. \"rw-\") or \"none\", got \"\(text)\"")
        }
        return prot
    }

    /// Reads the table of `p:mmap{…}`.
    static func request(_ call: LuaCall, files: LuaClass<MemoryObject>, _ p: Process) throws -> MmapRequest {
        let t = try call.table(2)
        try t.checkOptions(mmapOptions, function: "mmap")
        guard t.has("size") else { throw LuaArgumentError(2, "field 'size' is required") }
        var r = MmapRequest(length: UInt64(try sizeField(call, t, "size")))
        if t.has("addr") {
            t.pushFieldValue("addr")
            defer { call.state.pop() }
            r.address = try call.address(call.state.top)
        }
        if let text = try t.string("prot") {
            guard let prot = Protection(text: text) else {
                throw LuaScriptError("mmap: prot must be letters r, w, x (e.g. \"rw-\") or \"none\", got \"\(text)\"")
            }
            r.protection = prot
        }
        if t.has("offset") { r.offset = UInt64(try sizeField(call, t, "offset")) }
        if t.has("flags") {
            t.pushFieldValue("flags")
            defer { call.state.pop() }
            guard call.type(call.state.top) == LuaType.table else { throw LuaScriptError("mmap: flags must be a list of strings") }
            let list = LuaTableView(call.state, at: -1)
            var sawPrivate = false
            for i in 0..<list.length {
                guard let name = list.element(i + 1).stringValue else { throw LuaScriptError("mmap: flags must be a list of strings") }
                switch name {
                case "private": sawPrivate = true
                case "anonymous": break
                case "shared": r.shared = true
                case "fixed": r.fixed = true
                case "populate": r.populate = true
                case "stack": r.stack = true
                case "hugepage": r.hugepage = true
                case "locked": r.locked = true
                case "reserve": r.reserve = true
                case "guard": r.guardRegion = true
                default:
                    var message = "mmap: unknown flag '\(name)'"
                    if let near = Suggestion.closest(to: name, in: mmapFlags) { message += " (did you mean '\(near)'?)" }
                    throw LuaScriptError(message)
                }
            }
            if sawPrivate && r.shared { throw LuaScriptError("mmap: flags 'private' and 'shared' exclude each other") }
        }
        if t.has("file") {
            t.pushFieldValue("file")
            defer { call.state.pop() }
            if call.type(call.state.top) == LuaType.string {
                let name = try call.string(call.state.top)
                guard let f = try kernel(p).files[name] else { throw LuaScriptError("mmap: no file named '\(name)' (create it with m:file)") }
                r.file = f
            } else {
                r.file = try call.object(call.state.top, files)
            }
        }
        return r
    }

    /// A size field of table `t` (number or "4 KiB").
    static func sizeField(_ call: LuaCall, _ t: LuaTableView, _ key: String) throws -> Int {
        t.pushFieldValue(key)
        defer { call.state.pop() }
        do { return try VMModule.size(call, call.state.top) } catch let e as LuaArgumentError {
            throw LuaScriptError("field '\(key)': \(e.reason)")
        }
    }
}

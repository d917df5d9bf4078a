import LuaKit
import VMLab

/// `vm.machine{…}`: a simulated computer (physical memory, paging mode,
/// costs, counters) and its methods.
enum LuaMachine {
    static let options = ["memory", "paging", "seed", "costs", "aslr", "page_table"] + LuaProcessorOptions.names + reclaimOptions
        + LuaHugePages.options

    static func install(in state: LuaState, spaces: LuaClass<PageTable>, traces: LuaClass<TraceHandle>) -> LuaClass<Machine> {
        let cls = LuaClass<Machine>("vm.machine", doc: """
            A simulated computer: physical memory of `memory` bytes in frames of the page size, a buddy
            frame allocator, a paging mode, a cost model and counters.
            local m = vm.machine{ memory = "64 MiB", paging = "x86_64", seed = 42, costs = { memory_reference = 100 } }
            """)
        let tlbs = LuaTLB.makeClass()
        let cpus = LuaCPU.makeClass(spaces: spaces, tlbs: tlbs, traces: traces)
        state.register(tlbs)
        state.register(cpus)
        cls.tostring { m in "vm.machine(\(Units.size(m.memory.bytes)), \(m.mode.name))" }
        cls.property("memory", doc: "Bytes of physical memory.", get: { m, call in call.push(Int(m.memory.bytes)) })
        cls.property("paging", doc: "The paging mode's name.", get: { m, call in call.push(m.mode.name) })
        cls.property("page_size", doc: "Bytes per page (and per frame).", get: { m, call in call.push(Int(m.mode.pageBytes)) })
        cls.property("frames", doc: "Number of physical frames.", get: { m, call in call.push(Int(m.memory.frameCount)) })
        cls.property("free_frames", doc: "Frames free in the buddy allocator.", get: { m, call in call.push(Int(m.frames.freeFrames)) })
        cls.property("seed", doc: "The seed of every random choice.", get: { m, call in call.push(Int(Int64(bitPattern: m.seed))) })
        cls.property("levels", doc: "Names of the page-table levels, root first.", get: { m, call in call.push(m.mode.levelNames) })
        cls.property("stats", doc: """
            Counters: accesses, walks, memory_references, faults, not_present_faults, protection_faults,
            reserved_bit_faults, minor_faults, major_faults, cycles, free_frames; the translation hardware's
            tlb = { [name] = {hits=, misses=, hit_rate=, evictions=, fills=, flushes=, invalidations=} } (summed over
            CPUs), cpus = { per-CPU counters as cpu.stats }, shootdowns, ipis, context_switches, asid_rollovers; with
            reclaim, swap = {slots=, used=, free=, swap_ins=, swap_outs=, writebacks=, clean_drops=, cache_hits=,
            file_drops=, file_writebacks=, reclaim_runs=, skipped=, ooms=, tracked=, low=, high=, fault_rate= (faults per access over the last 10000
            accesses: thrashing), policy=, read_latency=, write_latency=, page_tables= (swap = {page_tables = true}),
            table_swap_outs=, table_swap_ins=, tables_out= (last-level page tables now in swap)}; huge pages (/proc/vmstat names): thp_fault_alloc,
            thp_fault_fallback, thp_collapse_alloc, thp_collapse_alloc_failed, thp_split_page, thp_split_reclaim, khugepaged_scanned,
            compact_migrated, compact_blocks, compact_success, compact_fail, free_huge_blocks, hugetlb = {total=, free=, page_size=}; with an inverted or hashed table,
            page_table = {kind=, entries=, entry_bytes=, buckets=, anchor_bytes=, table_bytes=, used=, aliases=, aliases_used=,
            alias_refusals=, evictions=, overflow=, overflow_reloads=, searches=, probes=, collisions=}.
            """, get: { m, call in
                var r = stats(m)
                translationStats(m, into: &r)
                if let swap = swapStats(m) { r.set("swap", swap) }
                LuaHugePages.addStats(m, into: &r)
                if let table = m.hashedPageTable { r.set("page_table", LuaHashedPageTable.record(table.stats)) }
                return call.push(r)
            })
        cls.property("costs", doc: "The cost model in cycles (a table; assign a table to change some costs).",
                     get: { m, call in call.push(LuaCosts.record(m.costs)) },
                     set: { m, call in m.costs = try LuaCosts.read(try call.table(2), base: m.costs, function: "costs") })

        cls.method("address_space", signature: "m:address_space([root_pa]) -> vm.address_space", doc: """
            A hardware-level address space: a root page table (CR3/satp) in simulated RAM. With root_pa, adopts a
            table built by hand at that physical address (see m:alloc_frame and m:write).
            """) { m, call in
            let table = try call.isNoneOrNil(2) ? m.makePageTable() : m.makePageTable(root: try call.address(2))
            return call.push(table, as: spaces)
        }
        cls.method("read", signature: "m:read(pa [, width]) -> integer", doc: "Reads a little-endian value of width 1, 2, 4 or 8 bytes (default 8) at a physical address.") { m, call in
            call.push(try m.memory.read(try call.address(2), width: try call.optionalInteger(3) ?? 8).lua)
        }
        cls.method("write", signature: "m:write(pa, value [, width])", doc: "Writes a little-endian value of width 1, 2, 4 or 8 bytes (default 8) at a physical address.") { m, call in
            try m.memory.write(try call.address(2), UInt64(bitPattern: Int64(try call.integer(3))), width: try call.optionalInteger(4) ?? 8)
            return 0
        }
        cls.method("read_bytes", signature: "m:read_bytes(pa, n) -> string", doc: "Reads n bytes at a physical address as a string.") { m, call in
            let count = try call.integer(3)
            guard count >= 0 else { throw LuaArgumentError(3, "count must not be negative") }
            let bytes = try m.memory.readBytes(try call.address(2), count: count)
            return call.push(LuaBytes(bytes))
        }
        cls.method("write_bytes", signature: "m:write_bytes(pa, s)", doc: "Writes the bytes of string s at a physical address.") { m, call in
            try m.memory.writeBytes(try call.address(2), try call.bytes(3))
            return 0
        }
        cls.method("alloc_frame", signature: "m:alloc_frame([size]) -> pa", doc: """
            Allocates a zeroed block of physical memory (one page by default; a power-of-two multiple of the page
            size, contiguous, from the buddy allocator) and returns its physical address. Out of memory is an error.
            """) { m, call in
            let order = try m.order(bytes: UInt64(try call.size(2, default: Int(m.mode.pageBytes))))
            let frame = try m.allocateFrames(order: order, state: .allocated, purpose: "m:alloc_frame")
            return call.push(m.memory.address(frame: frame).lua)
        }
        cls.method("free_frame", signature: "m:free_frame(pa [, size])", doc: "Returns a block from m:alloc_frame to the allocator.") { m, call in
            let pa = try call.address(2)
            let order = try m.order(bytes: UInt64(try call.size(3, default: Int(m.mode.pageBytes))))
            try m.freeFrames(first: pa / m.mode.pageBytes, order: order)
            return 0
        }
        cls.method("frame", signature: "m:frame(pa) -> table", doc: "Metadata of the frame holding a physical address: state, level, refcount, mapcount, owner, pinned, dirty.") { m, call in
            let pa = try call.address(2)
            let info = try m.memory.info(frame: pa / m.mode.pageBytes)
            var r = LuaRecord()
            r.set("frame", Int(pa / m.mode.pageBytes))
            r.set("state", "\(info.state)")
            if info.tableLevel >= 0 { r.set("level", m.mode.levelNames[Int(info.tableLevel)]) }
            r.set("refcount", Int(info.refcount))
            r.set("mapcount", Int(info.mapcount))
            r.set("owner", Int(info.owner))
            r.set("pinned", info.pinned)
            r.set("dirty", info.dirty)
            return call.push(r)
        }
        cls.method("reset_stats", signature: "m:reset_stats()", doc: "Sets every counter back to zero.") { m, _ in
            m.counters.reset()
            m.existingKernel?.reclaimer?.resetCounters()
            m.hashedPageTable?.resetCounters()
            return 0
        }
        let processes = installKernel(on: cls, in: state)
        installReclaim(on: cls)
        installTranslation(on: cls, cpus: cpus, tlbs: tlbs, spaces: spaces, traces: traces, processes: processes)
        installGuest(on: cls, spaces: spaces, processes: processes, in: state)
        installSnapshot(on: cls, in: state)
        LuaHugePages.install(machines: cls)
        LuaHashedPageTable.install(on: cls)
        state.register(cls)

        state.register("vm.machine", signature: "vm.machine{memory=, paging=, seed=, costs=, cpus=, tlb=, pwc=, pcid=, asid_bits=, flush_ceiling=, kpti=, software_tlb=, swap=, policy=, watermarks=, aslr=, thp=, hugetlb_pages=, page_table=} -> vm.machine", doc: """
            Creates a machine. memory: a size (default "64 MiB", a multiple of the page size, up to 1 TiB; untouched
            memory costs the host nothing). paging: a mode name (vm.modes: x86_64, x86_64_la57, x86_32, x86_pae, sv32,
            sv39, sv48, sv57) or a custom table {va_bits=15, page_bits=5, levels={5,5}, pte_bytes=1}; default x86_64.
            seed: an integer (default 0). costs: cycles per event (see m.costs).
            Translation hardware: cpus (1…64, default 1); tlb = a list of levels {name=, entries=, ways= (0 or absent:
            fully associative), replacement= ("lru", "plru", "fifo", "random"), kind= ("instruction", "data",
            "unified"), page_sizes= {"4K", "2M"} (default all), shared= (one for all CPUs), level= (1 = L1; default
            previous + 1)}, or false for no TLB (default: a Skylake-like L1i/L1d/L1dH/L2); pwc = {entries=, ways=,
            levels= {0, 1, 2}} or false (default 32 entries, 4-way, every upper level); pcid (tag entries with ASIDs
            instead of flushing on a switch, default false); asid_bits (1…16, default 12); flush_ceiling (pages above
            which an invalidation flushes the ASID, default 33); kpti (kernel page-table isolation: a user-mode root
            without the kernel half per space, a root switch on every change of privilege, default false);
            software_tlb (MIPS-style: no hardware walker, a TLB miss runs a refill handler — see m:set_tlb_refill).
            Swap and reclaim: swap = a size or {size=, read_latency=, write_latency=, page_tables=} (cycles; default the costs'
            major_fault and swap_write; page_tables = true lets reclaim swap out last-level page tables whose entries are
            all not present, default false as in Linux); policy = the replacement policy (default "clock"; see m:set_policy);
            watermarks = {low=, high=} in frames (see m:set_watermarks). m.stats.swap counts what happened.
            aslr: true (Linux x86_64 bits: mmap 28, stack 22, brk 13, code 28, kernel 9 slots of 2 MiB; i386's 8, 11,
            13, 8, 9 in 32-bit modes; clamped to what the mode allows) or {stack=, mmap=, brk=, code=, kernel=} bits:
            each process's bases are randomized from the seed (see p:layout()); default false.
            Huge pages: thp = "always" | "madvise" | "never" (transparent huge pages, default "never"; see m.thp);
            hugetlb_pages = N reserves N huge pages at boot for p:mmap{flags={"hugepage"}} (see m.hugetlb; more than memory
            holds is an error).
            page_table: "radix" (default), "inverted" or "hashed", or {kind=, buckets=, groups=, aliases=}: one table for
            the whole machine, allocated at boot from the lowest frames (inverted: 24-byte entries, one per frame plus
            aliases (default frames/64, at least 16) and a hash anchor table of buckets (default: frames rounded up to a
            power of two); hashed: groups of 8 16-byte entries (default frames/4 rounded up)); base pages only, no
            processes (m:spawn refuses), no KPTI.
            """) { call in
            let t = call.isNoneOrNil(1) ? nil : try call.table(1)
            try t?.checkOptions(options, function: "vm.machine")
            let memory = try memoryOption(t, call, default: 64 << 20, function: "vm.machine")
            let mode = try pagingOption(t, call, default: .x86_64, function: "vm.machine")
            let seed = try t?.integer("seed") ?? 0
            var costs = CostModel()
            if let t, t.has("costs") {
                t.pushFieldValue("costs")
                defer { call.state.pop() }
                guard call.type(call.state.top) == LuaType.table else { throw LuaScriptError("vm.machine: costs must be a table") }
                costs = try LuaCosts.read(LuaTableView(call.state, at: -1), base: costs, function: "vm.machine: costs")
            }
            let machine = try Machine(memoryBytes: UInt64(memory), mode: mode, seed: UInt64(bitPattern: Int64(seed)), costs: costs)
            if let t { try LuaHashedPageTable.configure(machine, t, call) }
            if let t, let configuration = try LuaProcessorOptions.read(t, mode: mode) {
                try machine.configureProcessors(configuration)
            }
            if let t { try configureReclaim(machine, t, call) }
            if let t { try LuaASLR.configure(machine, t, call) }
            if let t { try LuaHugePages.configure(machine, t, call) }
            return call.push(machine, as: cls)
        }
        return cls
    }

    /// The `memory` option of table `t` (a size), or `value` when absent.
    static func memoryOption(_ t: LuaTableView?, _ call: LuaCall, default value: Int, function: String) throws -> Int {
        guard let t, t.has("memory") else { return value }
        t.pushFieldValue("memory")
        defer { call.state.pop() }
        do { return try VMModule.size(call, call.state.top) } catch let e as LuaArgumentError {
            throw LuaScriptError("\(function): memory: \(e.reason)")
        }
    }

    /// The `paging` option of table `t` (a mode name or a custom table), or `mode` when absent.
    static func pagingOption(_ t: LuaTableView?, _ call: LuaCall, default mode: PagingMode, function: String) throws -> PagingMode {
        guard let t, t.has("paging") else { return mode }
        if case .table = t.value("paging") {
            t.pushFieldValue("paging")
            defer { call.state.pop() }
            return try LuaPaging.custom(LuaTableView(call.state, at: -1), function: "\(function): paging")
        }
        guard let name = try t.string("paging") else { return mode }
        return try PagingMode.named(name)
    }

    static func stats(_ m: Machine) -> LuaRecord {
        let c = m.counters.values
        return LuaRecord([
            ("accesses", c.accesses), ("walks", c.walks), ("memory_references", c.memoryReferences),
            ("faults", c.pageFaults), ("not_present_faults", c.notPresentFaults),
            ("protection_faults", c.protectionFaults), ("reserved_bit_faults", c.reservedBitFaults),
            ("minor_faults", c.minorFaults), ("major_faults", c.majorFaults), ("cycles", c.cycles),
            ("free_frames", Int(m.frames.freeFrames)),
        ])
    }
}

/// A Lua string made of raw bytes (not necessarily UTF-8).
struct LuaBytes: LuaPushable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func push(to L: OpaquePointer) { LuaState.pushBytes(bytes, to: L) }
}

import LuaKit
import VMLab

/// `vm.address_space`: a hardware-level address space (a root page table in
/// simulated RAM) with mapping primitives and the walker.
enum LuaAddressSpace {
    static let mapOptions = ["size", "w", "u", "x", "global", "pwt", "pcd", "pkey"]

    static func makeClass(traces: LuaClass<TraceHandle>) -> LuaClass<PageTable> {
        let cls = LuaClass<PageTable>("vm.address_space", doc: """
            A hardware-level address space: page tables that live in frames of simulated RAM, as raw entries
            in the paging mode's bit layout, under a root at a physical address (CR3/satp).
            local s = m:address_space()
            s:map(0x400000, "alloc", { w = true, u = true })
            print(s:translate(0x400123, "w").pa)
            """)
        cls.tostring { s in "vm.address_space(\(s.mode.name), root \(Units.hex(s.root)))" }
        cls.property("root", doc: "Physical address of the root table.", get: { s, call in call.push(s.root.lua) })
        cls.property("paging", doc: "The paging mode's name.", get: { s, call in call.push(s.mode.name) })

        cls.method("map", signature: "s:map(va, pa | \"alloc\" [, {size=, w=, u=, x=, global=, pwt=, pcd=}]) -> pa", doc: """
            Maps one page (4 KiB by default; size = "2M"/"1G"/"4M" where the mode has such pages) at va to the
            physical address pa, or to a fresh zeroed frame with "alloc". Table pages are allocated as needed.
            Flags: w writable, u user, x executable (default: read-only, supervisor, no execute), global, pwt, pcd,
            pkey (x86 PKU protection key 1…15, x86_64 and x86_64_la57 only; checked against cpu.pkru).
            Unaligned addresses, overlaps, PAs beyond memory and non-canonical VAs are errors. Returns the PA.
            """) { s, call in
            let va = try call.address(2)
            let (pageBytes, flags) = try mapFlags(call, 4, s.mode)
            if call.type(3) == LuaType.string, try call.string(3) == "alloc" {
                return call.push(try s.mapFresh(va, pageBytes: pageBytes, flags: flags).lua)
            }
            guard call.type(3) == LuaType.number else { throw call.typeError(3, "physical address or \"alloc\"") }
            let pa = try call.address(3)
            try s.map(va, to: pa, pageBytes: pageBytes, flags: flags)
            return call.push(pa.lua)
        }
        cls.method("map_range", signature: "s:map_range(va, pa, length [, flags]) -> nil", doc: "Maps length bytes at va to contiguous physical memory at pa, in pages of flags.size.") { s, call in
            let (pageBytes, flags) = try mapFlags(call, 5, s.mode)
            try s.mapRange(try call.address(2), to: try call.address(3), length: UInt64(try call.size(4)), pageBytes: pageBytes, flags: flags)
            return 0
        }
        cls.method("unmap", signature: "s:unmap(va [, length [, free]]) -> bytes", doc: """
            Unmaps every page in [va, va + length) (one page by default; holes are skipped) and frees table pages
            that become empty. With free = true the data frames go back to the allocator too (for "alloc" pages).
            Cutting a huge page in two is an error. Returns the bytes unmapped.
            """) { s, call in
            let length = UInt64(try call.size(3, default: Int(s.mode.pageBytes)))
            return call.push(Int(try s.unmap(try call.address(2), length: length, freeFrames: call.boolean(4))))
        }
        cls.method("protect", signature: "s:protect(va, length, {w=, u=, x=, global=}) -> bytes", doc: "Changes the flags of every mapped page in [va, va + length). Returns the bytes changed.") { s, call in
            let (_, flags) = try mapFlags(call, 4, s.mode)
            return call.push(Int(try s.protect(try call.address(2), length: UInt64(try call.size(3)), flags: flags)))
        }
        cls.method("lookup", signature: "s:lookup(va) -> {va=, pa=, page_size=, level=, pte_addr=, pte=} | nil", doc: "The mapping covering va, read without side effects (no A/D update), or nil.") { s, call in
            guard let m = try s.lookup(try call.address(2)) else { return call.pushNil() }
            return call.push(LuaRecord([
                ("va", m.pageVA.lua), ("pa", m.physicalAddress.lua), ("page_pa", m.pagePA.lua), ("page_size", Int(m.pageBytes)),
                ("level", m.level), ("level_name", s.mode.levelNames[m.level]), ("pte_addr", m.pteAddress.lua),
                ("pte", LuaPaging.record(m.pte, mode: s.mode)),
            ]))
        }
        cls.method("translate", signature: "s:translate(va [, access [, privilege]]) -> table", doc: """
            Walks the tables as the MMU does for an access ("r", "w" or "x"; "user" or "kernel"), setting Accessed and
            Dirty bits like hardware. Returns { va=, pa=, page_size=, level=, level_name=, refs=, cycles=, steps={…} }
            where each step is { level=, name=, index=, table=, pte_addr=, pte= (as read), updated= (after
            the A/D update), flags= (of updated), leaf= }; on a fault,
            pa is nil and fault = { reason=, code=, error_code=, va=, access=, privilege=, level= } (x86 error-code bits
            P=1 W=2 U=4 RSVD=8 I/D=16; RISC-V: the exception cause).
            On a machine with an inverted or hashed table the steps are the search's reads instead of levels:
            { what = "anchor" | "entry" | "primary" | "secondary" | "overflow", index=, slot=, addr=, tag=, pte=, updated=,
            flags=, match= } (an anchor: entry = the first entry of its chain, -1 for none), and the result has probes=
            (entries read), collisions= (other pages' entries read), chain_length=, bucket=, secondary_bucket= (hashed),
            reloaded= (hashed: brought back from the overflow table).
            local m = vm.machine{ page_table = "inverted" }; local s = m:address_space(); s:map(0x1000, "alloc")
            print(s:translate(0x1000, "r", "kernel").probes)   -- 2: the anchor, then the entry
            """) { s, call in
            let va = try call.address(2)
            let walk = s.walk(va, access: try call.accessKind(3), privilege: try call.privilege(4))
            return call.push(record(walk, va: va, space: s))
        }
        cls.method("walk", signature: "s:walk(va [, access [, privilege]]) -> {steps…}", doc: "The steps of s:translate only (a list).") { s, call in
            let walk = s.walk(try call.address(2), access: try call.accessKind(3), privilege: try call.privilege(4))
            if let search = walk.search { return call.push(LuaHashedPageTable.steps(search, mode: s.mode)) }
            return call.push(walk.steps.map { step(s.mode, $0) })
        }
        cls.method("run", signature: "s:run(trace [, {limit=, privilege=, progress=, every=}]) -> {accesses=, faults=, refs=, cycles=}", doc: """
            Replays a trace through the page walker in Swift (no TLB: every access walks), setting A/D bits, and
            returns what it cost. Faults are counted, not handled. Options as for m:run.
            """) { s, call in
            let handle = try call.object(2, traces)
            let result = try replay(handle, on: s, LuaRun(call, 3, function: "run"), state: call.state)
            return call.push(LuaRecord([("accesses", result.accesses), ("faults", result.faults), ("refs", result.references),
                                        ("cycles", result.references * s.machine.costs.memoryReference)]))
        }
        cls.method("dump", signature: "s:dump() -> string", doc: "A text tree of the table pages with indices, raw entries and flags; huge pages shown as such.") { s, call in
            call.push(s.dump())
        }
        cls.method("dot", signature: "s:dot([{entries=, tables=}]) -> string", doc: """
            The tables as a Graphviz graph (DOT text): a node per table page listing its present entries, an edge per
            pointer to a lower table, leaves with the page they map. entries: entries drawn per table (default 12, the
            rest counted); tables: table pages drawn (default 64). vm.svg(s:dot()) renders it when graphviz is installed.
            """) { s, call in
            var entries = 12, tables = 64
            if !call.isNoneOrNil(2) {
                let t = try call.table(2)
                try t.checkOptions(["entries", "tables"], function: "dot")
                entries = try t.integer("entries") ?? entries
                tables = try t.integer("tables") ?? tables
                guard entries >= 1, tables >= 1 else { throw LuaArgumentError(2, "entries and tables must be at least 1") }
            }
            return call.push(s.dot(entriesPerTable: entries, maxTables: tables))
        }
        cls.method("stats", signature: "s:stats() -> table", doc: "Table pages per level (by level name), bytes of page tables, mapped bytes, kind (radix, inverted, hashed); with an inverted or hashed table, table_bytes is the machine's whole table (shared), page_table its counters (as m.stats.page_table) and space_id this space's id in its tags.") { s, call in
            let st = s.stats
            var r = LuaRecord()
            var pages = LuaRecord()
            for (name, count) in zip(st.levelNames, st.tablePages) { pages.set(name, count) }
            r.set("table_pages", pages)
            r.set("total_table_pages", st.tablePages.reduce(0, +))
            r.set("table_bytes", Int(st.tableBytes))
            r.set("mapped_bytes", Int(st.mappedBytes))
            r.set("kind", s.machine.pageTableKind.rawValue)
            if let table = s.hashed { r.set("page_table", LuaHashedPageTable.record(table.stats)); r.set("space_id", Int(s.spaceID)) }
            return call.push(r)
        }
        cls.method("release", signature: "s:release()", doc: "Frees every table page of the space (not the data frames); the space is unusable afterwards.") { s, _ in
            try s.release()
            return 0
        }
        return cls
    }

    /// Walks every access of the trace (from its current position), a batch at a time.
    static func replay(_ handle: TraceHandle, on s: PageTable, _ run: LuaRun, state: LuaState)
        throws -> (accesses: Int, faults: Int, references: Int) {
        var faults = 0, references = 0
        let accesses = try run.replay(handle, state: state) { batch in
            for access in batch {
                let t = s.translate(access.address, access: access.kind, privilege: run.privilege)
                references &+= t.references
                if t.fault != nil { faults &+= 1 }
            }
        }
        return (accesses, faults, references)
    }

    /// Reads `{size=, w=, u=, x=, global=, pwt=, pcd=}` at argument `i`.
    static func mapFlags(_ call: LuaCall, _ i: Int32, _ mode: PagingMode) throws -> (UInt64, MapFlags) {
        guard !call.isNoneOrNil(i) else { return (mode.pageBytes, MapFlags()) }
        let t = try call.table(i)
        try t.checkOptions(mapOptions, function: "flags")
        var pageBytes = mode.pageBytes
        if t.has("size") {
            t.pushFieldValue("size")
            defer { call.state.pop() }
            do { pageBytes = UInt64(try VMModule.size(call, call.state.top)) } catch let e as LuaArgumentError {
                throw LuaArgumentError(i, "field 'size': \(e.reason)")
            }
        }
        let flags = MapFlags(writable: try t.boolean("w") ?? false, user: try t.boolean("u") ?? false,
                             executable: try t.boolean("x") ?? false, global: try t.boolean("global") ?? false,
                             writeThrough: try t.boolean("pwt") ?? false, cacheDisable: try t.boolean("pcd") ?? false,
                             protectionKey: try t.integer("pkey") ?? 0)
        return (pageBytes, flags)
    }

    static func step(_ mode: PagingMode, _ s: WalkStep) -> LuaRecord {
        LuaRecord([
            ("level", s.level), ("name", s.levelName), ("index", s.index), ("table", s.tableAddress.lua),
            ("pte_addr", s.pteAddress.lua), ("pte", s.raw.lua), ("updated", s.updated.lua),
            ("flags", mode.decode(s.updated, level: s.level).flagText(mode.architecture)), ("leaf", s.isLeaf),
        ])
    }

    /// A page fault as a Lua table.
    static func fault(_ f: PageFault, mode: PagingMode) -> LuaRecord {
        LuaRecord([
            ("reason", f.reason.rawValue), ("code", Int(f.code)), ("error_code", f.errorCodeText), ("va", f.va.lua),
            ("access", f.access.description), ("privilege", f.privilege.rawValue), ("level", f.level),
            ("level_name", f.level < mode.levels ? mode.levelNames[f.level] : "?"),
        ] + (f.protectionKey.map { [("pkey", $0 as any LuaPushable)] } ?? []))
    }

    static func record(_ walk: Walk, va: UInt64, space s: PageTable) -> LuaRecord {
        let t = walk.result
        var r = LuaRecord()
        r.set("va", va.lua)
        r.set("refs", t.references)
        r.set("cycles", t.references * s.machine.costs.memoryReference)
        if let search = walk.search {
            r.set("steps", LuaHashedPageTable.steps(search, mode: s.mode))
            LuaHashedPageTable.summary(search, into: &r)
        } else {
            r.set("steps", walk.steps.map { step(s.mode, $0) })
        }
        if let f = t.fault {
            r.set("fault", fault(f, mode: s.mode))
        } else {
            r.set("pa", t.physicalAddress.lua)
            r.set("page_size", Int(t.pageBytes))
            r.set("level", t.level)
            r.set("level_name", s.mode.levelNames[t.level])
        }
        return r
    }
}

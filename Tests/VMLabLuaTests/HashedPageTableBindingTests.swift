import LuaKit
import Testing

/// Inverted and hashed page tables in Lua (issue 11, item 1): the page_table option, the same
/// address-space API, searches reported as probes, sizes, sharing, errors. Scripts end with
/// m:check() returning no violation.
@Suite struct HashedPageTableBindingTests {
    /// Scripts get KernelBindingTests' `consistent(m)` (fails with m:check()'s violations).
    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try KernelBindingTests().run(code, sourceLocation: sourceLocation)
    }

    @Test func sameAPIOnEveryKind() throws {
        try run("""
            for _, kind in ipairs{"radix", "inverted", "hashed"} do
              local m = vm.machine{ memory = "16 MiB", page_table = kind }
              assert(m.page_table == kind)
              local s = m:address_space()
              local pa = s:map(0x400000, "alloc", { w = true, u = true })
              assert(s:lookup(0x400123).pa == pa + 0x123)
              local t = s:translate(0x400123, "w")
              assert(t.pa == pa + 0x123 and t.page_size == 4096, kind)
              assert(s:translate(0x401000).fault.reason == "not present")
              assert(s:protect(0x400000, 4096, { u = true }) == 4096)
              assert(s:translate(0x400000, "w").fault.reason == "write to a read-only page")
              local cpu = m.cpus[1]; cpu:switch(s)
              assert(cpu:access(0x400010, "r").source == "walk")
              assert(cpu:access(0x400010, "r").source == "L1d")
              local r = m:run(cpu, vm.trace.list{0x400000, 0x400008, 0x400010})
              assert(r.accesses == 3)
              consistent(m)
              assert(s:unmap(0x400000, 4096, true) == 4096 and s:lookup(0x400000) == nil)
              assert(cpu:access(0x400010, "r").source == "fault")
              assert(s:stats().kind == kind and s:stats().mapped_bytes == 0)
              assert(type(s:dump()) == "string" and s:dot():find("digraph"))
              consistent(m)
            end
            """)
    }

    /// One bucket: three pages chain newest first; searching the oldest reads the anchor and
    /// three entries (two collisions). The steps name every address read.
    @Test func searchesReportProbesAndCollisions() throws {
        try run("""
            local m = vm.machine{ memory = "4 MiB", page_table = { kind = "inverted", buckets = 1 } }
            local s = m:address_space()
            local pas = {}
            for i = 1, 3 do pas[i] = s:map(i * 4096, "alloc", { u = true }) end
            local t = s:translate(4096 + 8, "r")
            assert(t.pa == pas[1] + 8)
            assert(t.refs == 4 and t.probes == 4 and t.collisions == 2 and t.chain_length == 3 and t.bucket == 0)
            assert(t.steps[1].what == "anchor" and t.steps[1].entry == pas[3] // 4096)
            assert(t.steps[2].what == "entry" and t.steps[2].index == pas[3] // 4096 and not t.steps[2].match)
            assert(t.steps[4].match and t.steps[4].flags:find("A"))
            assert(#s:walk(4096) == 4)
            assert(m.stats.page_table.collisions >= 2)
            consistent(m)

            local h = vm.machine{ memory = "4 MiB", page_table = { kind = "hashed", groups = 1 } }
            local hs = h:address_space()
            for i = 1, 9 do hs:map(i * 4096, "alloc", { u = true }) end
            local st = h.stats.page_table
            assert(st.evictions == 1 and st.overflow == 1 and st.used == 8 and st.entries == 8 and st.entry_bytes == 16)
            local reloaded = 0
            for i = 1, 9 do
              local r = hs:translate(i * 4096)
              assert(r.pa, "page " .. i)
              if r.reloaded then reloaded = reloaded + 1 end
              assert(r.bucket == 0 and r.secondary_bucket == 0)
            end
            assert(reloaded >= 1 and h.stats.page_table.overflow_reloads == reloaded)
            consistent(h)
            h:reset_stats()
            st = h.stats.page_table
            assert(st.searches == 0 and st.overflow_reloads == 0 and st.evictions == 0 and st.used == 8 and st.overflow == 1)
            """)
    }

    /// Table bytes = frames × entry size (+ anchors) whatever the VA use, next to radix tables.
    @Test func tableBytesFollowRAM() throws {
        try run("""
            local function bytes(kind, sparse)
              local m = vm.machine{ memory = "64 MiB", page_table = kind }
              local s = m:address_space()
              for i = 0, 63 do s:map(0x400000 + (sparse and i << 30 or i * 4096), "alloc", { u = true }) end
              return s:stats().table_bytes, m
            end
            local frames = 16384
            for _, sparse in ipairs{false, true} do
              assert(bytes("inverted", sparse) == (frames + frames // 64) * 24 + frames * 8)
              assert(bytes("hashed", sparse) == frames // 4 * 8 * 16)
            end
            assert(bytes("radix", false) == 4 * 4096 and bytes("radix", true) == 130 * 4096)
            local _, m = bytes("inverted", true)
            assert(m.stats.page_table.table_bytes == (frames + frames // 64) * 24 + frames * 8)
            """)
    }

    /// Sharing: the second mapping of a frame on an inverted machine takes an alias entry;
    /// with no alias left it is refused (an error naming the frame) and counted.
    @Test func sharedPageNeedsTheWorkaround() throws {
        try run("""
            local m = vm.machine{ memory = "4 MiB", page_table = { kind = "inverted", aliases = 1 } }
            local a, b, c = m:address_space(), m:address_space(), m:address_space()
            local pa = a:map(0x400000, "alloc", { u = true, w = true })
            b:map(0x800000, pa, { u = true })
            assert(m.stats.page_table.aliases_used == 1 and b:lookup(0x800000).pa == pa)
            local ok, err = pcall(c.map, c, 0x400000, pa, { u = true })
            assert(not ok and err:find("alias entries are in use"), err)
            assert(m.stats.page_table.alias_refusals == 1)
            consistent(m)
            """)
    }

    @Test func badConfigurationsAreLuaErrors() throws {
        for (code, message) in [
            ("vm.machine{ page_table = 'tree' }", "unknown kind 'tree'"),
            ("vm.machine{ page_table = { kind = 'inverted', bukets = 4 } }", "bukets"),
            ("vm.machine{ page_table = { kind = 'inverted', groups = 4 } }", "groups is for hashed tables"),
            ("vm.machine{ page_table = { kind = 'hashed', groups = 3 } }", "power of two"),
            ("vm.machine{ page_table = { buckets = 4 } }", "kind is missing"),
            ("vm.machine{ page_table = 3 }", "must be"),
            ("vm.machine{ page_table = 'inverted' }:spawn('p')", "runs address spaces only"),
            ("vm.machine{ page_table = 'hashed', swap = '16 MiB' }", "runs address spaces only"),
            ("local m = vm.machine{ page_table = 'hashed', kpti = true }; m.cpus[1]:switch(m:address_space())", "no root to split"),
            ("vm.machine{ page_table = 'inverted', paging = { va_bits = 15, page_bits = 5, levels = {5, 5}, pte_bytes = 1 } }", "4 KiB pages"),
            ("vm.machine{ page_table = 'inverted' }:address_space():map(0x200000, 'alloc', { size = '2M' })", "inverted page table"),
            ("vm.machine{ page_table = 'inverted' }:address_space(0x1000)", "no per-space root"),
            ("vm.machine{ page_table = 'hashed' }:guest{ memory = '4 MiB' }", "radix EPT"),
            ("vm.machine{ memory = '64 KiB', page_table = { kind = 'inverted', aliases = 100000 } }", "out of physical memory"),
        ] {
            let error = try luaError(code)
            #expect(error?.contains(message) == true, "\(code): \(error ?? "no error")")
        }
    }
}

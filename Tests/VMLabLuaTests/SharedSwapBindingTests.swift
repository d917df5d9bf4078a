import LuaKit
import Testing

/// Reclaim of shared anonymous memory and of transparent huge pages, from Lua (issue 7):
/// the pages go to swap and come back intact, m.stats shows it, m:check() stays clean.
@Suite struct SharedSwapBindingTests {
    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try runLua(KernelBindingTests.prelude + "\n" + code, sourceLocation: sourceLocation)
    }

    @Test func sharedMemoryIsSwappedOutAndReadBackOnce() throws {
        try run("""
            local m = vm.machine{ memory = "256 KiB", paging = "x86_64", swap = "4 MiB", policy = "fifo" }
            local p = m:spawn("a")
            local s = assert(p:mmap{ size = 16 * 4096, flags = {"shared"} })
            for i = 0, 15 do p:write(s + i * 4096, 100 + i) end
            local c = p:fork()
            local filler = assert(p:mmap{ size = 256 * 4096 })
            local evicted = 0
            m:on("evict", function(ev) if ev.file == "[shared]" then evicted = evicted + 1 end end)
            for i = 0, 255 do p:write(filler + i * 4096, i) end
            assert(evicted >= 16, "shared pages evicted: " .. evicted)
            assert(c.stats.swapped >= 16 * 4096, "smaps Swap of the shared area: " .. c.stats.swapped)
            consistent(m)
            local ins = m.stats.swap.swap_ins
            for i = 0, 15 do assert(c:read(s + i * 4096) == 100 + i) end
            local back = m.stats.swap.swap_ins - ins
            for i = 0, 15 do assert(p:read(s + i * 4096) == 100 + i) end
            assert(m.stats.swap.swap_ins - ins == back, "the parent's faults are page-cache hits")
            assert(back == 16, "one swap-in per page: " .. back)
            consistent(m)
            """)
    }

    @Test func transparentHugePagesAreSplitUnderPressure() throws {
        try run("""
            local m = vm.machine{ memory = "8 MiB", swap = "32 MiB", thp = "always" }
            local p = m:spawn("thp")
            local a = assert(p:mmap{ addr = 0x40000000, size = "16 MiB", flags = {"fixed"} })
            for i = 0, 4095 do p:write(a + i * 4096, i * 3 + 1) end
            for i = 4095, 0, -1 do assert(p:read(a + i * 4096) == i * 3 + 1, "page " .. i) end
            assert(m.stats.thp_fault_alloc >= 1)
            assert(m.stats.thp_split_reclaim >= 1, "splits by reclaim: " .. m.stats.thp_split_reclaim)
            consistent(m)
            """)
    }

    @Test func pageTablesGoToSwapWhenAsked() throws {
        try run("""
            local function sparse(tables)
              local m = vm.machine{ memory = 128 * 4096, swap = { size = "16 MiB", page_tables = tables }, policy = "fifo" }
              local p = m:spawn("sparse")
              local a = assert(p:mmap{ addr = 0x100000000000, size = 150 * 2 * 1024 * 1024, flags = {"fixed"} })
              return m, p, a
            end
            local m, p, a = sparse(true)
            for i = 0, 149 do p:write(a + i * 2097152, i + 1) end
            assert(m.stats.swap.page_tables == true)
            assert(m.stats.swap.table_swap_outs > 20, "tables out: " .. m.stats.swap.table_swap_outs)
            assert(m.stats.swap.tables_out > 0)
            consistent(m)
            for i = 149, 0, -1 do assert(p:read(a + i * 2097152) == i + 1) end
            assert(m.stats.swap.table_swap_ins > 20)
            consistent(m)
            local m2, p2, a2 = sparse(false)
            for i = 0, 40 do p2:write(a2 + i * 2097152, i + 1) end
            assert(m2.stats.swap.page_tables == false and m2.stats.swap.table_swap_outs == 0)
            local ok, err = pcall(vm.machine, { swap = { size = "1 MiB", page_table = true } })
            assert(not ok and err:find("page_table"), err)
            ok, err = pcall(vm.machine, { swap = { size = "1 MiB", page_tables = "yes" } })
            assert(not ok, "a string is not a boolean")
            """)
    }
}

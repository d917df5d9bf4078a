import LuaKit
import Testing

/// Huge-page management in Lua (issue 11, item 3): vm.machine{thp=, hugetlb_pages=}, m.thp,
/// m.hugetlb, m:khugepaged{}, m:compact(), the counters in m.stats and p.stats.anon_huge_pages.
/// Every script checks m:check() after each step.
@Suite struct HugePageBindingTests {
    /// Scripts run with the kernel tests' prelude (`consistent(m)` fails with m:check()'s violations).
    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try KernelBindingTests().run(code, sourceLocation: sourceLocation)
    }

    @Test func thpCutsTLBMissesAndSplitsOnPartialMunmap() throws {
        try run("""
            local function walks(thp)
              local m = vm.machine{ memory = "64 MiB", thp = thp, seed = 1 }
              local p = m:spawn("app")
              local a = assert(p:mmap{ size = "16 MiB" })
              for i = 0, 16 * 1024 * 1024 - 1, 4096 do p:write(a + i, i) end
              consistent(m)
              m:reset_stats()
              local x = 12345
              for _ = 1, 20000 do x = (x * 1103515245 + 12345) % 2147483648; p:read(a + (x % (16 * 1024 * 1024)) // 8 * 8) end
              return m.stats.walks, m, p, a
            end
            local small = walks("never")
            local huge, m, p, a = walks("always")
            assert(huge * 10 < small, huge .. " walks with THP vs " .. small)
            assert(m.stats.thp_fault_alloc == 8 and p.stats.anon_huge_pages == 16 * 1024 * 1024)
            assert(p:munmap(a + 4096 * 7, 4096))
            assert(m.stats.thp_split_page == 1 and p.stats.anon_huge_pages == 14 * 1024 * 1024)
            for i = 0, 511 do if i ~= 7 then assert(p:read(a + i * 4096) == i * 4096) end end
            consistent(m)
            """)
    }

    @Test func fragmentationFailsPromotionUntilCompaction() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB", thp = "never" }
            local f = m:spawn("filler")
            local area = assert(f:mmap{ addr = 0x40000000, size = "16 MiB", flags = {"fixed"} })
            for i = 0, 7 do f:write(area + i * 2097152 + 255 * 4096, 1) end   -- tables first, low in memory
            local n = 0
            while m.free_frames > 8 do
              if n % 512 ~= 255 then f:write(area + n * 4096, n) end
              n = n + 1
            end
            for i = 0, n - 1 do
              if i % 256 ~= 0 and i % 512 ~= 255 then assert(f:munmap(area + i * 4096, 4096)) end
            end
            consistent(m)
            assert(m.stats.free_huge_blocks == 0)
            m.thp = "always"
            local p = m:spawn("app")
            local a = assert(p:mmap{ size = "4 MiB" })
            local base = (a + 2097151) // 2097152 * 2097152
            for i = 0, 511 do p:write(base + i * 4096, i) end
            assert(m.stats.thp_fault_fallback == 1 and m.stats.thp_collapse_alloc_failed == 1, "promotion failed and counted")
            consistent(m)
            local r = m:compact()
            assert(r.migrated > 0 and r.blocks > 0 and m.stats.compact_migrated == r.migrated)
            consistent(m)
            for i = 0, n - 1, 256 do assert(f:read(area + i * 4096) == i, "moved pages keep their data") end
            local k = m:khugepaged{}
            assert(k.collapsed >= 1 and m.stats.thp_collapse_alloc >= 1, k.collapsed)
            assert(p.stats.anon_huge_pages >= 2097152)
            for i = 0, 511 do assert(p:read(base + i * 4096) == i) end
            consistent(m)
            """)
    }

    @Test func hugetlbPoolAndBadInput() throws {
        try run("""
            local m = vm.machine{ memory = "16 MiB", hugetlb_pages = 2 }
            assert(m.hugetlb.total == 2 and m.hugetlb.free == 2 and m.hugetlb.page_size == 2097152)
            local p = m:spawn("db")
            local none, err = p:mmap{ size = "6 MiB", flags = {"hugepage"} }
            assert(none == nil and err:find("ENOMEM"), err)
            local h = assert(p:mmap{ size = "4 MiB", flags = {"hugepage"} })
            p:write(h, 1); p:write(h + 2097152, 2)
            assert(m.stats.hugetlb.free == 0)
            consistent(m)
            assert(p:munmap(h, 2097152))
            assert(m.hugetlb.free == 1)
            consistent(m)
            local ok, e = pcall(vm.machine, { thp = "sometimes" })
            assert(not ok and e:find("thp must be"), e)
            ok, e = pcall(vm.machine, { memory = "16 MiB", hugetlb_pages = 9 })
            assert(not ok and e:find("ENOMEM"), e)
            ok, e = pcall(function() return vm.machine{}:compact() end)
            assert(not ok and e:find("no kernel"), e)
            ok, e = pcall(function() return m:khugepaged{ max_ptes_none = 512 } end)
            assert(not ok and e:find("max_ptes_none"), e)
            ok, e = pcall(function() m.thp = "often" end)
            assert(not ok and e:find("thp must be"), e)
            ok, e = pcall(vm.machine, { paging = { va_bits = 15, page_bits = 5, levels = {5, 5}, pte_bytes = 1 }, thp = "always" })
            assert(not ok and e:find("no huge pages"), e)
            """)
    }

    @Test func everyModeWithHugePagesSplitsCopiesAndCollapses() throws {
        try run("""
            for _, mode in ipairs{"x86_32", "x86_pae", "sv39", "sv48"} do
              local m = vm.machine{ memory = "64 MiB", paging = mode, thp = "always" }
              local p = m:spawn("a")
              local huge = mode == "x86_32" and 4194304 or 2097152
              local a = assert(p:mmap{ addr = 0x10000000, size = 2 * huge, flags = {"fixed"} })
              for i = 0, 2 * huge - 1, 4096 do p:write(a + i, i + 1) end
              assert(m.stats.thp_fault_alloc == 2, mode)
              consistent(m)
              local c = p:fork()
              c:write(a, 5)                                   -- COW copies the huge page whole
              assert(p:munmap(a + 8192, 4096))                -- splits the parent's copy
              assert(p:mprotect(a + huge + 4096, 4096, "r--")) -- splits the second one
              consistent(m)
              assert(p:mprotect(a + huge + 4096, 4096, "rw-")) -- areas merge back: collapsible again
              assert(m:khugepaged{}.collapsed == 1, mode)
              consistent(m)
              for i = 0, 2 * huge - 1, 4096 do if i ~= 8192 then assert(p:read(a + i) == i + 1, mode) end end
              assert(c:read(a) == 5 and c:read(a + 4096) == 4097)
              assert(m.stats.thp_split_page == 2 and p.stats.anon_huge_pages == huge, mode)
              consistent(m)
            end
            """)
    }
}

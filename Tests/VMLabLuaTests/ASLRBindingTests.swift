import LuaKit
import Testing

/// ASLR in Lua (issue 11, item 5): vm.machine{aslr=}, m.aslr, p:layout(), p.code_base.
/// Every script ends with m:check() returning no violation.
@Suite struct ASLRBindingTests {
    /// Helpers: `consistent(m)` fails with the violations; `run(seed)` returns a process's
    /// layout and maps text after a small workload.
    static let prelude = """
        local function consistent(m)
          local v = m:check()
          assert(#v == 0, "check: " .. table.concat(v, "; "))
        end
        local function run(seed, aslr)
          local m = vm.machine{ seed = seed, aslr = aslr == nil and true or aslr }
          local p = m:spawn("app")
          local stack = assert(p:mmap{ size = "64 KiB", flags = {"stack"} })
          p:write(stack + 65536 - 8, 1)
          local area = assert(p:mmap{ size = "1 MiB" })
          p:write(area, 2)
          local old = assert(p:sbrk(8192))
          p:write(old, 3)
          consistent(m)
          return p:layout(), p:maps(), m, p
        end
        """

    func run(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try runLua(Self.prelude + "\n" + code, sourceLocation: sourceLocation)
    }

    @Test func sameSeedSameLayoutDifferentSeedsDifferentStacks() throws {
        try run("""
            local l1, maps1 = run(42)
            local l2, maps2 = run(42)
            assert(maps1 == maps2, "same seed, same maps")
            for _, key in ipairs{"mmap_base", "stack_top", "brk_start", "code_base", "kernel_base"} do
              assert(l1[key] == l2[key], key)
            end
            local stacks, mmaps, brks = {}, {}, {}
            local n = 0
            for seed = 1, 10 do
              local l, maps = run(seed)
              local stack_end, heap_start
              for line in maps:gmatch("[^\\n]+") do
                if line:find("[stack]", 1, true) then stack_end = tonumber(line:match("^%x+%-(%x+)"), 16) end
                if line:find("[heap]", 1, true) then heap_start = tonumber(line:match("^(%x+)"), 16) end
              end
              assert(stack_end == l.stack_top and heap_start == l.brk_start, maps)
              stacks[l.stack_top] = true; mmaps[l.mmap_base] = true; brks[l.brk_start] = true
            end
            local function count(t) local c = 0; for _ in pairs(t) do c = c + 1 end; return c end
            assert(count(stacks) == 10 and count(mmaps) == 10, count(stacks) .. " stacks, " .. count(mmaps) .. " mmap bases")
            assert(count(brks) >= 9, count(brks) .. " heaps")
            """)
    }

    @Test func layoutReportsEntropyAndSpread() throws {
        try run("""
            local m = vm.machine{ seed = 7, aslr = { stack = 6, mmap = 10, brk = 4, code = 12, kernel = 3 } }
            local a = m.aslr
            assert(a.stack == 6 and a.mmap == 10 and a.brk == 4 and a.code == 12 and a.kernel == 3)
            local tops, lowest = {}, math.maxinteger
            local top = 1 << 47
            for i = 1, 200 do
              local p = m:spawn("p" .. i)
              local l = p:layout()
              assert(l.entropy.stack == 6 and l.entropy.kernel == 3 and l.entropy.mmap == 10)
              assert(l.stack_top % 4096 == 0 and l.stack_top <= top)
              assert((top - l.stack_top) // 4096 < 64, "6 bits: at most 63 pages below the top")
              assert(p.code_base == l.code_base and l.code_base < l.brk_start and l.mmap_base < l.stack_top)
              tops[l.stack_top] = true
              p:exit()
            end
            local distinct = 0
            for _ in pairs(tops) do distinct = distinct + 1 end
            assert(distinct > 40 and distinct <= 64, distinct .. " distinct stack tops")
            consistent(m)
            """)
    }

    @Test func forkKeepsExecRedraws() throws {
        try run("""
            local l, maps, m, p = run(5)
            local c = assert(p:fork())
            local lc = c:layout()
            assert(lc.stack_top == l.stack_top and lc.mmap_base == l.mmap_base and c:maps() == maps)
            assert(c:exec("other"))
            local le = c:layout()
            assert(le.stack_top ~= l.stack_top and le.mmap_base ~= l.mmap_base, "exec draws a new layout")
            assert(le.kernel_base == l.kernel_base, "KASLR is per machine")
            assert(c:maps() == "")
            consistent(m)
            """)
    }

    @Test func withoutASLRNothingMoves() throws {
        try run("""
            local l, maps, m = run(1, false)
            assert(m.aslr == false)
            assert(l.stack_top == 1 << 47 and l.mmap_base == 1 << 47 and l.brk_start == 1 << 45)
            assert(l.kernel_base == -(1 << 47), "the kernel page stays at the start of the kernel half")
            assert(l.entropy.stack == 0 and l.entropy.kernel == 0)
            local l2, maps2 = run(2, false)
            assert(maps == maps2, "without ASLR the seed does not matter")
            assert(vm.machine{}.aslr == false)
            """)
    }

    @Test func badConfigurationIsAClearError() throws {
        try expectLuaErrors([
            ("vm.machine{ aslr = { stack = -1 } }", "vm.machine: EINVAL: aslr: stack: -1 bits (must be 0 or more)"),
            ("vm.machine{ aslr = { mmap = 40 } }", "aslr: mmap: 40 bits is more than paging mode x86_64 allows (at most 32)"),
            ("vm.machine{ paging = 'x86_32', aslr = { code = 17 } }", "more than paging mode x86_32 allows (at most 16)"),
            ("vm.machine{ aslr = { stak = 3 } }", "vm.machine: aslr: unknown option 'stak' (did you mean 'stack'?)"),
            ("vm.machine{ aslr = { brk = 1.5 } }", "vm.machine: aslr: brk:"),
            ("vm.machine{ aslr = 3 }", "vm.machine: aslr must be true, false or a table"),
            ("vm.machine{ paging = {va_bits=15, page_bits=5, levels={5,5}, pte_bytes=1}, aslr = { kernel = 1 } }",
             "kernel: 1 bits is more than paging mode"),
        ])
        try run("""
            local m = vm.machine{ paging = {va_bits=15, page_bits=5, levels={5,5}, pte_bytes=1}, memory = 4096, aslr = true }
            assert(m.aslr.kernel == 0 and m.aslr.stack == 7)
            local p = m:spawn("tiny")
            local a = assert(p:mmap{ size = 64 })
            assert(a + 64 == p:layout().mmap_base)
            p:write(a, 9, 1)
            consistent(m)
            """)
    }
}

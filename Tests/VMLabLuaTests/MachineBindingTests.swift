import LuaKit
import Testing

/// The hardware Lua API against known answers (issue 3).
@Suite struct MachineBindingTests {
    @Test func aCPUKeepsTheSpaceItRunsWhileTheMachineLives() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local seen = setmetatable({}, { __mode = "v" })   -- sees spaces without keeping them
            seen[1] = m:address_space()
            m.cpus[1]:switch(seen[1])                -- the script keeps no reference of its own
            collectgarbage(); collectgarbage()
            assert(seen[1] ~= nil and m.cpus[1].space == seen[1], "the CPU still runs its space")
            assert(m.cpus[1]:access(0x1000).source == "fault", "and translates through it")
            seen[2] = m:address_space()
            m.cpus[1]:switch(seen[2])                -- the first space is now unused
            collectgarbage(); collectgarbage()
            assert(seen[1] == nil and seen[2] ~= nil, "the space switched away from was collected")
            -- A guest's CPUs the same way, through g.machine (one Lua value while g lives).
            local g = m:guest{ memory = "8 MiB" }
            seen[3] = g.machine:address_space()
            g.machine.cpus[1]:switch(seen[3])
            collectgarbage(); collectgarbage()
            assert(seen[3] ~= nil and g.machine.cpus[1].space == seen[3] and g.machine == g.machine, "the guest CPU's space lives")
            """)
    }

    @Test func splitsTheTextbookAddress() throws {
        // (va >> 39) & 0x1ff = 0xff, (va >> 30) & 0x1ff = 0x1f4, (va >> 21) & 0x1ff = 0x91, (va >> 12) & 0x1ff = 0x145.
        try runLua("""
            local s = vm.split(0x00007ffd12345678, "x86_64")
            assert(s.PML4 == 0x0ff and s.PDPT == 0x1f4 and s.PD == 0x091 and s.PT == 0x145, "indices")
            assert(s.offset == 0x678 and #s.indices == 4 and s.names[1] == "PML4")
            local r = vm.split(0x12345678, "sv39")
            assert(#r.indices == 3 and r.offset == 0x678)
            """)
    }

    @Test func walkShowsPTEAddressesAtRootPlusIndexTimesEight() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            local s = m:address_space()
            s:map(0x00007ffd12345000, "alloc", { w = true, u = true })
            local t = s:translate(0x00007ffd12345678, "r")
            assert(t.refs == 4, "4 references")
            local table = s.root
            for i, step in ipairs(t.steps) do
              assert(step.table == table, "step " .. i .. " reads the table the previous entry named")
              assert(step.pte_addr == table + step.index * 8, "PTE address = table + index * 8")
              table = vm.pte.decode(step.pte, "x86_64").frame * 4096
            end
            assert(t.pa == table + 0x678)
            assert(t.cycles == 4 * m.costs.memory_reference)
            """)
    }

    @Test func tablePagesForSmallAndHugeMappings() throws {
        try runLua("""
            local m = vm.machine{ memory = "2 GiB" }
            local s = m:address_space()
            s:map(0x400000, "alloc")
            assert(s:stats().total_table_pages == 4, "root + 3 tables for one 4K page")
            for i = 1, 511 do s:map(0x400000 + i * 4096, "alloc") end
            assert(s:stats().total_table_pages == 4, "512 pages in one 2 MiB region need no more tables")
            local h = m:address_space()
            h:map(0x40000000, "alloc", { size = "2M" })
            assert(h:stats().table_pages.PT == 0 and h:stats().total_table_pages == 3, "a 2 MiB page needs no PT")
            local g = m:address_space()
            g:map(0x40000000, "alloc", { size = "1G" })
            assert(g:stats().table_pages.PD == 0 and g:stats().total_table_pages == 2, "a 1 GiB page stops at the PDPT")
            """)
    }

    @Test func sv39HasThreeLevelsAndMegapages() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 MiB", paging = "sv39" }
            assert(#m.levels == 3)
            local s = m:address_space()
            s:map(0x200000, "alloc", { size = "2M", w = true, u = true })
            local t = s:translate(0x212345, "w")
            assert(t.page_size == 2 * 1024 * 1024 and #t.steps == 2 and t.refs == 2)
            local leaf = vm.pte.decode(t.steps[2].updated, "sv39")
            assert(leaf.valid and leaf.readable and leaf.writable and leaf.accessed and leaf.dirty)
            """)
    }

    @Test func faultsCarryTheErrorCodeBits() throws {
        try runLua("""
            local m = vm.machine{}
            local s = m:address_space()
            s:map(0x1000, "alloc", { u = true })                 -- read-only user page
            s:map(0x2000, "alloc", { w = true })                 -- supervisor page
            s:map(0x3000, "alloc", { u = true, x = false })      -- NX
            local w = s:translate(0x1000, "w", "user").fault
            assert(w and w.code & 2 ~= 0 and w.code & 1 ~= 0, "write to read-only: P and W/R set")
            local u = s:translate(0x2000, "r", "user").fault
            assert(u and u.code & 4 ~= 0, "user access to a supervisor page: U/S set")
            local x = s:translate(0x3000, "x", "user").fault
            assert(x and x.code & 16 ~= 0, "fetch from NX: I/D set")
            local np = s:translate(0x9000, "r", "user").fault
            assert(np and np.code & 1 == 0 and np.reason == "not present")
            assert(s:translate(0x2000, "w", "kernel").pa, "the kernel may write its page")
            """)
    }

    @Test func accessedAndDirtyBits() throws {
        try runLua("""
            local m = vm.machine{}
            local s = m:address_space()
            s:map(0x5000, "alloc", { w = true })
            local r = s:translate(0x5000, "r", "kernel")
            local leaf = vm.pte.decode(r.steps[#r.steps].updated, "x86_64")
            assert(leaf.accessed and not leaf.dirty, "a read sets A only")
            local w = s:translate(0x5000, "w", "kernel")
            for _, step in ipairs(w.steps) do
              assert(vm.pte.decode(step.updated, "x86_64").accessed, "A set at every level")
            end
            assert(vm.pte.decode(w.steps[#w.steps].updated, "x86_64").dirty, "a write sets D")
            """)
    }

    @Test func textbookTwoLevelTranslationByHand() throws {
        // 15-bit VA, 32-byte pages, 5+5 index bits, 1-byte PTEs (valid bit 7, PFN in bits 6..0).
        try runLua("""
            local m = vm.machine{ memory = "4 KiB", paging = { va_bits = 15, page_bits = 5, levels = { 5, 5 }, pte_bytes = 1 } }
            local root = m:alloc_frame()                     -- page directory (32 one-byte PDEs)
            local pt = m:alloc_frame()                       -- one page table
            local data = m:alloc_frame()
            local va = (3 << 10) | (7 << 5) | 0x1c           -- PDE 3, PTE 7, offset 0x1c
            m:write(root + 3, 0x80 | (pt // 32), 1)          -- valid PDE -> the page table
            m:write(pt + 7, 0x80 | (data // 32), 1)          -- valid PTE -> the data page
            local s = m:address_space(root)
            local t = s:translate(va, "r", "kernel")
            assert(t.pa == data + 0x1c, string.format("pa %#x", t.pa or -1))
            assert(t.steps[1].pte_addr == root + 3 and t.steps[2].pte_addr == pt + 7)
            local badpde = s:translate((4 << 10) | 0x1c, "r", "kernel")
            assert(badpde.fault and badpde.fault.level == 0, "invalid PDE faults at the directory")
            local badpte = s:translate((3 << 10) | (8 << 5), "r", "kernel")
            assert(badpte.fault and badpte.fault.level == 1, "invalid PTE faults at the table")
            """)
    }

    @Test func badInputIsALuaErrorThatSaysWhat() throws {
        #expect(try luaError("vm.machine{ memroy = '1M' }") == "test:1: vm.machine: unknown option 'memroy' (did you mean 'memory'?)")
        #expect(try luaError("vm.machine{ memory = '1000' }")?.contains("not a multiple of the page size") == true)
        #expect(try luaError("vm.machine{ paging = 'sv399' }")?.contains("did you mean 'sv39'") == true)
        #expect(try luaError("vm.machine{ costs = { memory_referense = 1 } }")?.contains("did you mean 'memory_reference'") == true)
        let s = "local m = vm.machine{ memory = '16 MiB' } local s = m:address_space() "
        #expect(try luaError(s + "s:map(0x201000, 'alloc', { size = '2M' })")?.contains("not aligned to 2 MiB") == true)
        #expect(try luaError(s + "s:map(0x0000800000000000, 'alloc')")?.contains("not canonical") == true)
        #expect(try luaError(s + "s:map(0x1000, 0x40000000)")?.contains("beyond memory") == true)
        #expect(try luaError(s + "s:map(0x1000, 'alloc') s:map(0x1000, 'alloc')") != nil)
        #expect(try luaError(s + "s:map(0x1000, 'alloc', { writable = true })") == "test:1: flags: unknown option 'writable' (expected one of: size, w, u, x, global, pwt, pcd, pkey)")
        #expect(try luaError(s + "s:translate(0x1000, 'q')") == "test:1: bad argument #2 to 'translate' (access must be \"r\", \"w\" or \"x\", got \"q\")")
        #expect(try luaError(s + "m:read(16 * 1024 * 1024)")?.contains("beyond memory") == true)
        #expect(try luaError("vm.machine{}:address_space():map('x')") == "test:1: bad argument #1 to 'map' (number expected, got string)")
    }

    @Test func runningOutOfFramesIsCatchable() throws {
        try runLua("""
            local m = vm.machine{ memory = "64 KiB" }
            local s = m:address_space()
            local ok, err
            for i = 0, 100 do
              ok, err = pcall(s.map, s, i * 4096, "alloc")
              if not ok then break end
            end
            assert(not ok and err:find("out of physical memory"), tostring(err))
            assert(m.free_frames == 0)
            """)
    }

    @Test func untouchedHugeMachineIsCheap() throws {
        let state = try makeVMState()
        let before = state.memoryInUse
        try state.run("big = vm.machine{ memory = '64 GiB' } assert(big.frames == 16 * 1024 * 1024)")
        #expect(state.memoryInUse - before < 64 * 1024)
    }
}

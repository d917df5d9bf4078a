import LuaKit
import Testing

/// Details of Lua fault handlers and stacks found while writing labs 05 and 06.
@Suite struct FaultHandlerDetailTests {
    @Test func defaultCountsOnceKillGivesItsReasonAndARefusedFetchDoesNotGrowTheStack() throws {
        try runLua("""
            local m = vm.machine{ memory = "16 MiB" }
            m:set_fault_handler(function(f, k) k:default() end)
            local p = m:spawn("a")
            local heap = assert(p:mmap{ size = 4096 })
            p:write(heap, 1)
            assert(p.stats.minor_faults == 1, "k:default() resolved it: one minor fault, not two (" .. p.stats.minor_faults .. ")")
            m:set_fault_handler(function(f, k) k:kill("guard page") end)
            local q = m:spawn("b"); q.catch_segv = true
            local other = assert(q:mmap{ size = 4096 })
            local ok, err = pcall(q.read, q, other)
            assert(not ok and err:find("guard page", 1, true) and not err:find("not resolved", 1, true), err)
            assert(vm.segv_reason(err) == "guard page" and vm.segv_reason("boom") == nil)
            m:set_fault_handler(function(f, k) k:kill("my own words") end)
            ok, err = pcall(q.read, q, other)
            assert(not ok and err:find("fault not resolved by the fault handler (my own words)", 1, true), err)
            local reason, detail = vm.segv_reason(err)
            assert(reason == "fault not resolved by the fault handler" and detail == "my own words", tostring(detail))
            m:set_fault_handler(nil)
            local r = m:spawn("c"); r.catch_segv = true
            local stack = assert(r:mmap{ size = "64K", flags = { "stack" } })
            local before = r:maps()
            assert(not pcall(r.fetch, r, stack + 2 * 4096))
            assert(r:maps() == before, "a refused fetch leaves the stack as it was")
            assert(#m:check() == 0)
            """)
    }
}

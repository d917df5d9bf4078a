import LuaKit
import Testing

/// `vm.contiguous` and `vm.program` from Lua: the seeds' fragmentation example and segmentation.
@Suite struct BeforePagingBindingTests {
    @Test func fragmentationCompactionAndSegments() throws {
        try runLua("""
            local c = vm.contiguous{ memory = "8 MiB", fit = "first" }
            local a, b, cc = c:load("A", "1 MiB"), c:load("B", "2 MiB"), c:load("C", "1 MiB")
            c:unload(b)
            local d = c:load("D", "3 MiB")
            assert(d.base == 4 * 1024 * 1024 and c.free == 3 * 1024 * 1024 and #c:holes() == 2)
            local e, err = c:load("E", "3 MiB")
            assert(e == nil and err:find("ENOMEM", 1, true) and err:find("external fragmentation", 1, true), err)
            d:write(0x100, 77)
            assert(c:compact() == 4 * 1024 * 1024 and d.base == 2 * 1024 * 1024 and d:read(0x100) == 77)
            assert(c:load("E", "3 MiB").base == 5 * 1024 * 1024 and c.stats.failures == 1 and c.fragmentation == 0)
            local p = vm.contiguous{ memory = "1 MiB", fit = "best" }:load("P", {
              code = { size = "64K", prot = "rx" }, data = { size = "128K" }, stack = { size = "4K", grows_down = true } })
            assert(#p.segments == 3 and p.size == (64 + 128 + 4) * 1024)
            local t = p:translate("data", 0x10, "w")
            assert(t.segment == "data" and t.pa == t.base + 0x10)
            assert(p:translate("code", 0, "w").fault.reason == "protection")
            assert(p:translate("data", 128 * 1024).fault.reason == "beyond limit")
            assert(p:translate("heap", 0).fault.reason == "no segment")
            """)
        try expectLuaErrors([
            ("vm.contiguous{ fit = 'good' }", "unknown fit 'good'"),
            ("vm.contiguous{ memroy = 1 }", "did you mean 'memory'"),
            ("local c = vm.contiguous{}; c:load('A', 10); c:load('A', 10)", "already loaded"),
            ("vm.contiguous{}:load('A', { s = { size = 0 } })", "has no bytes"),
            ("vm.contiguous{}:load('A', { s = { size = 4, prot = 'rwz' } })", "must be letters of"),
            ("local p = vm.contiguous{}:load('A', { code = { size = 16, prot = 'rx' } }); p:write('code', 0, 1)", "write not allowed"),
            ("local c = vm.contiguous{}; local p = c:load('A', 16); c:unload(p); p:read(0)", "has been unloaded"),
        ])
    }
}

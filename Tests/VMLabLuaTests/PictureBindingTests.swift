#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import Testing

/// `vm.plot`, `s:dot` and `vm.svg` from Lua.
@Suite struct PictureBindingTests {
    @Test func plotsAndPageTablePictures() throws {
        try runLua("""
            local svg = vm.plot{ title = "Belady", x = "frames", y = "faults",
              series = { { name = "FIFO", points = {{3, 9}, {4, 10}, {5, 5}} }, { name = "LRU", x = {3, 4, 5}, y = {10, 8, 5} } },
              marks = { { x = 4, y = 10, label = "anomaly" } } }
            assert(svg:match("^<svg") and select(2, svg:gsub("<polyline", "")) == 2 and svg:find("anomaly", 1, true))
            local m = vm.machine{}
            local s = m:address_space()
            s:map(0x400000, "alloc", { u = true })
            local dot = s:dot()
            assert(dot:match("^digraph") and select(2, dot:gsub(" %-> t", "")) == 3, "4 tables, 3 edges")
            """)
        let hasDot = access("/usr/bin/dot", X_OK) == 0
        let message = try luaError("local s = vm.machine{}:address_space(); s:map(0x400000, 'alloc'); local svg = vm.svg(s:dot()); assert(svg:find('<svg', 1, true)); error('rendered')")
        #expect(message?.contains(hasDot ? "rendered" : "Debian package graphviz") == true, "\(message ?? "no error")")
        try expectLuaErrors([
            ("vm.plot{ series = {} }", "no points to draw"),
            ("vm.plot{ serie = {} }", "unknown option 'serie'"),
            ("vm.plot{ series = { { name = 'a', x = {1, 2}, y = {1} } } }", "x has 2 values but y has 1"),
            ("vm.plot{ series = { { name = 'a', points = {{1, 'two'}} } } }", "must be {x, y} numbers"),
            ("vm.plot{ log_y = true, series = { { points = {{1, 0}} } } }", "log y axis needs y > 0"),
            ("vm.plot{ width = 10, series = { { points = {{1, 1}} } } }", "width and height"),
            ("vm.machine{}:address_space():dot{ entries = 0 }", "at least 1"),
        ])
    }
}

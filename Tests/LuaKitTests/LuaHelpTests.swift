import LuaKit
import Testing

@Suite struct LuaHelpTests {
    @Test func helpFindsFunctionsByValueAndName() throws {
        let state = try makeState()
        state.module("demo", doc: "A demo module.")
        state.register("demo.twice", signature: "demo.twice(n) -> integer", doc: "Doubles n.\nExample: demo.twice(2) --> 4") { call in
            call.push(try call.integer(1) * 2)
        }
        #expect(try state.run("return demo.twice(4), require('demo') == demo") == [.integer(8), .boolean(true)])
        #expect(state.help.text(for: "demo.twice")?.hasPrefix("demo.twice(n) -> integer\n  Doubles n.") == true)
        #expect(state.help.text(for: "demo")?.contains("demo.twice(n) -> integer  -- Doubles n.") == true)
        try state.run("fn = demo.twice")
        state.pushValue(named: "fn")
        #expect(state.helpPath(at: -1) == "demo.twice")
        state.pop()
        #expect(state.help.markdown(title: "Ref").contains("### `demo.twice(n) -> integer`"))
    }
}

@Suite struct LuaPrinterTests {
    func show(_ code: String) throws -> String {
        let state = try makeState()
        try state.run("value = " + code)
        state.pushValue(named: "value")
        defer { state.pop() }
        return LuaPrinter().describe(state, at: -1)
    }

    @Test func tablesPrintSortedAndNested() throws {
        #expect(try show("{1, 2, x = {y = 'z'}, b = true}") == "{ 1, 2, b = true, x = { y = \"z\" } }")
        #expect(try show("{}") == "{}")
        #expect(try show("{[10] = 1, ['a b'] = 2}") == "{ [10] = 1, [\"a b\"] = 2 }")
        #expect(try show("'plain'") == "plain")
    }

    @Test func cyclesAreShown() throws {
        let text = try show("(function() local t = {} t.self = t return t end)()")
        #expect(text.hasPrefix("{ self = <cycle: table: 0x"))
    }

    @Test func wideTablesBreakLines() throws {
        let text = try show("{alpha = ('a'):rep(40), beta = ('b'):rep(40)}")
        #expect(text == "{\n  alpha = \"\(String(repeating: "a", count: 40))\",\n  beta = \"\(String(repeating: "b", count: 40))\"\n}")
    }
}

@Suite struct LuaCompletionTests {
    @Test func completesGlobalsFieldsAndMethods() throws {
        let state = try makeState()
        try state.run("vm = { machine = 1, map = 2, size = 3 }")
        #expect(state.completions(for: "vm.ma") == ["vm.machine", "vm.map"])
        #expect(state.completions(for: "pri") == ["print"])
        #expect(state.completions(for: "string.fo") == ["string.format"])
        #expect(state.completions(for: "nothing.x") == [])
        try state.run("s = 'text'")
        #expect(state.completions(for: "s:up") == ["s:upper"])
    }
}

import LuaKit
import Testing

@Suite(.serialized) struct LuaFunctionTests {
    @Test func boundFunctionReturnsValues() throws {
        let state = try makeState()
        state.register("twice", signature: "twice(n)", doc: "Doubles n.") { call in
            call.push(try call.integer(1) * 2)
        }
        #expect(try state.run("return twice(21)") == [.integer(42)])
    }

    @Test func failingFunctionRunsDefersAndLeaksNothing() throws {
        let state = try makeState()
        var defersRun = 0
        let count = LiveCount()
        state.register("fail", signature: "fail()", doc: "Always fails.") { call in
            let object = Tracked(1, count: count)
            defer { defersRun += 1 }
            _ = object
            throw LuaScriptError("failure number \(defersRun + 1)")
        }
        let results = try state.run("""
            local caught = 0
            for i = 1, 1000 do
              local ok, err = pcall(fail)
              if not ok and err:find("failure number " .. i, 1, true) then caught = caught + 1 end
            end
            return caught
            """, name: "=test")
        #expect(results == [.integer(1000)])
        #expect(defersRun == 1000)
        #expect(count.live == 0)
    }

    @Test func argumentErrorsReadLikeLua() throws {
        let state = try makeState()
        state.register("vm.size", signature: "vm.size(s)", doc: "") { call in
            call.push(try call.string(1).count)
        }
        #expect(errorMessage(state, "vm.size({})") == "test:1: bad argument #1 to 'size' (string expected, got table)")
        #expect(errorMessage(state, "vm.size()") == "test:1: bad argument #1 to 'size' (string expected, got no value)")
        // Lua's own library reads the same way.
        #expect(errorMessage(state, "string.rep({})") == "test:1: bad argument #1 to 'rep' (string expected, got table)")
    }

    @Test func integerChecksMatchLua() throws {
        let state = try makeState()
        state.register("f", signature: "f(n)", doc: "") { call in call.push(try call.integer(1)) }
        #expect(try state.run("return f(3.0)") == [.integer(3)])
        #expect(try state.run("return f('7')") == [.integer(7)])
        #expect(errorMessage(state, "f(1.5)") == "test:1: bad argument #1 to 'f' (number has no integer representation)")
        #expect(errorMessage(state, "f(true)") == "test:1: bad argument #1 to 'f' (number expected, got boolean)")
    }

    @Test func thrownErrorsCarryTheCallersPosition() throws {
        let state = try makeState()
        state.register("explode", signature: "explode()", doc: "") { _ in throw LuaScriptError("kaboom") }
        #expect(errorMessage(state, "\n\nexplode()") == "test:3: kaboom")
        #expect(try state.run("local ok, e = pcall(explode) return ok, e") == [.boolean(false), .string("kaboom")])
    }

    @Test func luaErrorsReachSwiftWithTraceback() throws {
        let state = try makeState()
        do {
            try state.run("local function inner() error('deep') end\ninner()", name: "=chunk")
            Issue.record("no error")
        } catch let error as LuaError {
            #expect(error.kind == .runtime)
            #expect(error.message == "chunk:1: deep")
            #expect(error.traceback?.contains("in local 'inner'") == true || error.traceback?.contains("inner") == true)
        }
        #expect(throws: LuaError.self) { try state.run("this is not lua") }
    }

    @Test func eachFailureCarriesItsOwnTraceback() throws {
        // A traceback is taken by the failure that made it and never shows up on a later one,
        // nor on an error raised without a traceback (a syntax error).
        let state = try makeState()
        func traceback(_ chunk: String) -> String? {
            do { try state.run(chunk, name: "=chunk"); return "no error" } catch let error as LuaError {
                return error.traceback
            } catch { return "\(error)" }
        }
        let first = traceback("local function alpha() error('one') end\nalpha()")
        #expect(first?.contains("alpha") == true)
        let second = traceback("local function beta() error('two') end\nbeta()")
        #expect(second?.contains("beta") == true && second?.contains("alpha") == false)
        #expect(traceback("this is not lua") == nil)
        // An error caught inside Lua leaves no traceback behind for the next failure either.
        let third = traceback("pcall(function() local function gamma() error('x') end gamma() end)\nerror('three')")
        #expect(third?.contains("gamma") == false)
    }

    @Test func callingLuaFromSwift() throws {
        let state = try makeState()
        try state.run("function add(a, b) return a + b end")
        guard case .function(let add) = state.global("add") else { Issue.record("no function"); return }
        #expect(try state.call(add, [2, 40]) == [.integer(42)])
        #expect(throws: LuaError.self) { try state.call(add, ["x", 1]) }
    }

    @Test func valuesRoundTrip() throws {
        let state = try makeState()
        let values = try state.run("return nil, true, 7, 2.5, 'hi', {}")
        #expect(values.count == 6)
        #expect(values[0] == .nil && values[1] == .boolean(true) && values[2] == .integer(7))
        #expect(values[3] == .number(2.5) && values[4] == .string("hi"))
        if case .table = values[5] {} else { Issue.record("expected a table") }
    }
}

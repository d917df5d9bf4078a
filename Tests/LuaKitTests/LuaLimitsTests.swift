import LuaKit
import Testing

@Suite(.serialized) struct LuaLimitsTests {
    @Test func instructionLimitStopsLoopAndStateStaysUsable() throws {
        let state = try makeState()
        state.limits = LuaLimits(instructions: 1_000_000)
        let message = errorMessage(state, "while true do end")
        #expect(message?.hasPrefix("test:1: instruction limit exceeded") == true)
        #expect(try state.run("return 1 + 1") == [.integer(2)])
    }

    @Test func instructionLimitCannotBeCaughtForever() throws {
        let state = try makeState()
        state.limits = LuaLimits(instructions: 200_000)
        // pcall catches the first stop; the loop keeps running and is stopped again.
        let message = errorMessage(state, "while true do pcall(function() while true do end end) end")
        #expect(message?.contains("instruction limit exceeded") == true)
    }

    @Test func memoryLimitStopsHogAndStateStaysUsable() throws {
        let state = try makeState()
        state.limits = LuaLimits(memory: 8 << 20)
        let message = errorMessage(state, "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end")
        #expect(message?.contains("memory limit exceeded") == true)
        #expect(try state.run("return #('y'):rep(1000)") == [.integer(1000)])
        #expect(state.memoryInUse < 8 << 20)
    }

    @Test func giantAllocationFailsCleanly() throws {
        let state = try makeState()
        state.limits = LuaLimits(memory: 8 << 20)
        let message = errorMessage(state, "local s = ('x'):rep(1 << 30)")
        #expect(message?.contains("not enough memory") == true)
        #expect(message?.contains("memory limit") == true)
        #expect(try state.run("return 'fine'") == [.string("fine")])
    }

    @Test func timeoutStopsASleepLoop() throws {
        let state = try makeState()
        state.limits = LuaLimits(timeout: 0.3)
        // A "sleep" loop: waits on the clock, as a script without os.execute would.
        let message = errorMessage(state, "local t0 = os.clock() while true do if os.clock() - t0 > 100 then break end end")
        #expect(message?.contains("time limit exceeded") == true)
        #expect(try state.run("return 'next'") == [.string("next")])
    }

    @Test func interruptStopsTheChunk() throws {
        let state = try makeState()
        var calls = 0
        state.register("tick", signature: "tick()", doc: "") { call in
            calls += 1
            if calls == 10 { call.state.interrupt() }
            return 0
        }
        #expect(errorMessage(state, "while true do tick() end")?.contains("interrupted!") == true)
        #expect(try state.run("return 3") == [.integer(3)])
    }

    @Test func limitsWorkInsideCoroutines() throws {
        let state = try makeState()
        state.limits = LuaLimits(instructions: 500_000)
        let message = errorMessage(state, "coroutine.wrap(function() while true do end end)()")
        #expect(message?.contains("instruction limit exceeded") == true)
    }

    @Test func swiftCodeSeesTheStopReason() throws {
        let state = try makeState()
        state.limits = LuaLimits(timeout: 0.2)
        state.register("spin", signature: "spin()", doc: "") { call in
            while true {
                if let reason = call.state.stopReason { throw LuaScriptError(reason.message) }
            }
        }
        #expect(errorMessage(state, "spin()") == "test:1: time limit exceeded")
    }
}

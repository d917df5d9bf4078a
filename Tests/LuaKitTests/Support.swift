import LuaKit
import Testing

/// A fresh state with the standard libraries.
func makeState() throws -> LuaState {
    let state = try LuaState()
    state.openStandardLibraries()
    return state
}

/// Runs `code` expecting a Lua error; returns its message.
func errorMessage(_ state: LuaState, _ code: String) -> String? {
    do {
        try state.run(code, name: "=test")
        return nil
    } catch let error as LuaError {
        return error.message
    } catch {
        return "unexpected \(error)"
    }
}

/// Counts live instances, to prove Swift objects are released.
final class Tracked {
    nonisolated(unsafe) static var live = 0
    var value: Int
    init(_ value: Int = 0) {
        self.value = value
        Tracked.live += 1
    }
    deinit { Tracked.live -= 1 }
}

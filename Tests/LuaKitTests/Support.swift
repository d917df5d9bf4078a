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

/// Counts the live instances of `Tracked` made with it (one per test, so
/// tests running in parallel do not disturb each other's counts).
final class LiveCount {
    var live = 0
}

/// An object whose lifetime is counted, to prove Swift objects are released.
final class Tracked {
    let count: LiveCount
    var value: Int
    init(_ value: Int = 0, count: LiveCount) {
        self.value = value
        self.count = count
        count.live += 1
    }
    deinit { count.live -= 1 }
}

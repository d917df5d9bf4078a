import LuaKit
import VMLabLua

/// Builds the Lua state every vmlab front end uses: standard libraries,
/// the `vm` module, `help`, limits and (for graded code) the sandbox.
enum ScriptHost {
    static func makeState(limits: LuaLimits, sandbox: LuaSandbox? = nil) throws -> LuaState {
        let state = try LuaState()
        state.openStandardLibraries()
        VMModule.install(in: state)
        state.installHelpFunction()
        if let sandbox { try state.applySandbox(sandbox) }
        state.limits = limits
        return state
    }
}

import CLuaShim

/// A Lua value held in the registry so that Swift can keep it across calls.
/// The reference is dropped when this object goes away (if the state lives).
public final class LuaReference: Equatable, LuaPushable {
    public let state: LuaState
    let ref: Int32

    /// Takes the value on top of the stack (popping it).
    init(popping state: LuaState) {
        self.state = state
        self.ref = luaL_ref(state.L, lk_registryindex())
    }

    deinit {
        if !state.isClosed { luaL_unref(state.L, lk_registryindex(), ref) }
    }

    public func push(to L: OpaquePointer) {
        lua_rawgeti(L, lk_registryindex(), lua_Integer(ref))
    }

    public static func == (a: LuaReference, b: LuaReference) -> Bool {
        guard a.state === b.state, !a.state.isClosed else { return a === b }
        let L = a.state.L
        a.push(to: L)
        b.push(to: L)
        defer { lk_pop(L, 2) }
        return lua_rawequal(L, -1, -2) != 0
    }
}

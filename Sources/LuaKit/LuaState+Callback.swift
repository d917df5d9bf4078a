import CLuaShim

/// Calling Lua from Swift at event rate (a replacement policy's callbacks): no arrays, no
/// `LuaValue` boxes for the arguments. Push the function and its arguments (`LuaReference` and
/// `LuaPushable` values push themselves), then `protectedCall`.
///
/// ```swift
/// callback.push(to: state.L); table.push(to: state.L); 42.push(to: state.L)
/// try state.protectedCall(arguments: 2, results: 1)   // a Lua error is thrown as LuaError
/// let result = state.value(at: -1); state.pop()
/// ```
extension LuaState {
    /// Calls the function below the top `arguments` values, protected and with a traceback;
    /// leaves exactly `results` values. On a Lua error the stack is back to what it was before
    /// the function was pushed, and the error is thrown as `LuaError` (message and traceback).
    public func protectedCall(arguments: Int32, results: Int32) throws {
        try check(lk_pcalltraceback(L, arguments, results))
    }

    /// `t[key] = value` (raw) for the table held by `table`; `key` is a constant C string, so
    /// nothing is copied per call.
    public func setField(_ table: LuaReference, _ key: StaticString, _ value: some LuaPushable) {
        table.push(to: L)
        key.withUTF8Buffer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
        value.push(to: L)
        lua_rawset(L, -3)
        lk_pop(L, 1)
    }
}

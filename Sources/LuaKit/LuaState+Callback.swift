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

    /// Gives the table at `index` a field `name` that reads `counter` in place whenever Lua
    /// reads it (through a metatable `__index`): a clock a callback may read, without setting it
    /// before every call. `owner` keeps the counter alive as long as the table.
    public func setCounterField(at index: Int32, _ name: StaticString, counter: UnsafePointer<UInt64>, owner: AnyObject) {
        name.withUTF8Buffer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                lk_setcounterfield(L, index, $0.baseAddress, counter, Unmanaged.passRetained(owner).toOpaque())
            }
        }
    }
}

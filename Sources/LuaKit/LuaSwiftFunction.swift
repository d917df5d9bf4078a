/// A Swift function body as a value that can be put in a table (`LuaRecord`) or pushed:
/// it becomes a Lua function (a C closure over the body) when pushed.
///
/// ```swift
/// let ctx = LuaRecord([("count", 64), ("page", LuaSwiftFunction { call in call.push(7) })])
/// ```
public struct LuaSwiftFunction: LuaPushable {
    /// The body run on each call.
    public let body: LuaFunctionBody

    /// Wraps `body`.
    public init(_ body: @escaping LuaFunctionBody) { self.body = body }

    public func push(to L: OpaquePointer) {
        LuaState.owner(of: L).pushFunction(body)
    }
}

import CLuaShim

/// A function over a byte array the caller owns, run in C without entering Swift: called as
/// `f(self, i)` it returns whether bit `bit` of byte `i` is set and, when `clears`, clears it
/// (test and clear).
/// A bad `i` raises "bad argument #2 … (`context`: slot i does not exist (slots 0…count-1))".
/// `owner` is kept alive as long as the function, and must keep the bytes alive.
///
/// ```swift
/// LuaRecord([("referenced", LuaByteBitFunction(bytes: flags, count: n, bit: 2, context: "policy 'p'", owner: table))])
/// ```
public struct LuaByteBitFunction: LuaPushable {
    let bytes: UnsafeMutablePointer<UInt8>
    let count: Int
    let bit: UInt8
    let clears: Bool
    let context: String
    let owner: AnyObject

    /// A function testing (and, with `clears`, clearing) `bit` of `bytes[i]`, 0 ≤ i < `count`.
    public init(bytes: UnsafeMutablePointer<UInt8>, count: Int, bit: UInt8, clears: Bool = false,
                context: String, owner: AnyObject) {
        self.bytes = bytes
        self.count = count
        self.bit = bit
        self.clears = clears
        self.context = context
        self.owner = owner
    }

    public func push(to L: OpaquePointer) {
        lk_pushbytebit(L, bytes, lua_Integer(count), Int32(bit), clears ? 1 : 0, context,
                       Unmanaged.passRetained(owner).toOpaque())
    }
}

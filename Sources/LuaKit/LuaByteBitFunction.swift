import CLuaShim

/// A function over a byte array the caller owns, run in C without entering Swift: called as
/// `f(self, i)` it returns whether bit `bit` of byte `i` is set and, when `clears`, clears it
/// (test and clear) — or, made with `mask:equals:`, whether the bits `mask` of byte `i` equal
/// `equals` (several flags at once).
/// A bad `i` raises "bad argument #2 … (`context`: slot i does not exist (slots 0…count-1))".
/// `owner` is kept alive as long as the function, and must keep the bytes alive.
///
/// ```swift
/// LuaRecord([("referenced", LuaByteBitFunction(bytes: flags, count: n, bit: 2, context: "policy 'p'", owner: table))])
/// ```
public struct LuaByteBitFunction: LuaPushable {
    let bytes: UnsafeMutablePointer<UInt8>
    let count: Int
    let mask: UInt8
    let want: UInt8
    let clears: Bool
    let context: String
    let owner: AnyObject

    /// A function testing (and, with `clears`, clearing) `bit` of `bytes[i]`, 0 ≤ i < `count`.
    public init(bytes: UnsafeMutablePointer<UInt8>, count: Int, bit: UInt8, clears: Bool = false,
                context: String, owner: AnyObject) {
        self.init(bytes: bytes, count: count, mask: bit, equals: bit, clears: clears, context: context, owner: owner)
    }

    /// A function telling whether `bytes[i] & mask == equals` (and, with `clears`, clearing `mask`).
    public init(bytes: UnsafeMutablePointer<UInt8>, count: Int, mask: UInt8, equals: UInt8, clears: Bool = false,
                context: String, owner: AnyObject) {
        self.bytes = bytes
        self.count = count
        self.mask = mask
        self.want = equals
        self.clears = clears
        self.context = context
        self.owner = owner
    }

    public func push(to L: OpaquePointer) {
        lk_pushbytebit(L, bytes, lua_Integer(count), Int32(mask), Int32(want), clears ? 1 : 0, context,
                       Unmanaged.passRetained(owner).toOpaque())
    }
}

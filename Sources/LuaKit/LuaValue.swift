import CLuaShim

/// A Lua value copied out of a state. Tables, functions, userdata and
/// threads are kept alive by a registry reference.
public enum LuaValue: Equatable, CustomStringConvertible {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case table(LuaReference)
    case function(LuaReference)
    case userdata(LuaReference)
    case thread(LuaReference)
    case lightUserdata(UnsafeMutableRawPointer?)

    public var description: String {
        switch self {
        case .nil: return "nil"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return s
        case .table: return "table"
        case .function: return "function"
        case .userdata: return "userdata"
        case .thread: return "thread"
        case .lightUserdata: return "light userdata"
        }
    }

    /// The integer, if this value is one (or a float with an exact integer value).
    public var intValue: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return d == d.rounded(.towardZero) && abs(d) < 9.2e18 ? Int(d) : nil
        default: return nil
        }
    }

    /// The number, if this value is one (integer or float).
    public var numberValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// Something Swift can push onto the Lua stack.
public protocol LuaPushable {
    func push(to L: OpaquePointer)
}

extension Int: LuaPushable {
    public func push(to L: OpaquePointer) { lua_pushinteger(L, lua_Integer(self)) }
}

extension UInt64: LuaPushable {
    /// Pushed as a Lua integer with the same 64 bits (addresses wrap as in C).
    public func push(to L: OpaquePointer) { lua_pushinteger(L, lua_Integer(bitPattern: self)) }
}

extension Double: LuaPushable {
    public func push(to L: OpaquePointer) { lua_pushnumber(L, self) }
}

extension Bool: LuaPushable {
    public func push(to L: OpaquePointer) { lua_pushboolean(L, self ? 1 : 0) }
}

extension String: LuaPushable {
    public func push(to L: OpaquePointer) {
        var copy = self
        copy.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
}

extension Optional: LuaPushable where Wrapped: LuaPushable {
    public func push(to L: OpaquePointer) {
        switch self {
        case .none: lua_pushnil(L)
        case .some(let value): value.push(to: L)
        }
    }
}

extension Array: LuaPushable where Element: LuaPushable {
    /// Pushed as a sequence table `{ [1] = first, … }`.
    public func push(to L: OpaquePointer) {
        lua_createtable(L, Int32(clamping: count), 0)
        for (i, element) in enumerated() {
            element.push(to: L)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
    }
}

extension LuaValue: LuaPushable {
    public func push(to L: OpaquePointer) {
        switch self {
        case .nil: lua_pushnil(L)
        case .boolean(let b): b.push(to: L)
        case .integer(let i): i.push(to: L)
        case .number(let d): d.push(to: L)
        case .string(let s): s.push(to: L)
        case .table(let r), .function(let r), .userdata(let r), .thread(let r): r.push(to: L)
        case .lightUserdata(let p): lua_pushlightuserdata(L, p)
        }
    }
}

/// A Lua table built in Swift: string keys in the order given.
public struct LuaRecord: LuaPushable {
    public var fields: [(String, any LuaPushable)]

    public init(_ fields: [(String, any LuaPushable)] = []) { self.fields = fields }

    public mutating func set(_ key: String, _ value: any LuaPushable) { fields.append((key, value)) }

    public func push(to L: OpaquePointer) {
        lua_createtable(L, 0, Int32(clamping: fields.count))
        for (key, value) in fields {
            key.push(to: L)
            value.push(to: L)
            lua_rawset(L, -3)
        }
    }
}

extension LuaState {
    /// Pushes raw bytes as a Lua string.
    public static func pushBytes(_ bytes: [UInt8], to L: OpaquePointer) {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
}

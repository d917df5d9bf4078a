import LuaKit
import VMLab

/// Reading model values from Lua arguments: addresses, sizes, access kinds.
extension LuaCall {
    /// An address argument: any Lua integer, taken as its 64-bit pattern
    /// (so 0xffff800000000000, a negative Lua integer, is a kernel address).
    func address(_ i: Int32) throws -> UInt64 {
        guard type(i) == LuaType.number || type(i) == LuaType.string else { throw typeError(i, "integer address") }
        return UInt64(bitPattern: Int64(try integer(i)))
    }

    /// A file path argument, refused (an error naming the allowed folders) when a sandbox is in
    /// force and the file lies outside it: graded code reads and writes traces only where
    /// `io.open` may.
    func path(_ i: Int32) throws -> String {
        let path = try string(i)
        if let sandbox = state.sandbox, let why = sandbox.check(path) { throw LuaArgumentError(i, why) }
        return path
    }

    /// A size argument (`4096`, `"2 MiB"`), or `default` when absent.
    func size(_ i: Int32, default value: Int? = nil) throws -> Int {
        if isNoneOrNil(i), let value { return value }
        return try VMModule.size(self, i)
    }

    /// `"r"`/`"read"`, `"w"`/`"write"`, `"x"`/`"execute"`/`"fetch"`; read when absent.
    func accessKind(_ i: Int32) throws -> AccessKind {
        guard let text = try optionalString(i) else { return .read }
        switch text.lowercased() {
        case "r", "read", "load": return .read
        case "w", "write", "store": return .write
        case "x", "execute", "fetch", "exec": return .execute
        default: throw LuaArgumentError(i, "access must be \"r\", \"w\" or \"x\", got \"\(text)\"")
        }
    }

    /// `"user"` or `"kernel"`/`"supervisor"`; user when absent.
    func privilege(_ i: Int32) throws -> Privilege {
        guard let text = try optionalString(i) else { return .user }
        switch text.lowercased() {
        case "user", "u": return .user
        case "kernel", "supervisor", "s", "k": return .supervisor
        default: throw LuaArgumentError(i, "privilege must be \"user\" or \"kernel\", got \"\(text)\"")
        }
    }
}

extension UInt64 {
    /// The Lua integer with the same 64 bits.
    var lua: Int { Int(Int64(bitPattern: self)) }
}

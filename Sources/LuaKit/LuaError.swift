/// An error raised by Lua code that the host ran: a syntax error, a runtime
/// error, a limit that stopped the chunk, or a file that could not be loaded.
///
/// `message` is what Lua's `error` carried (`stdin:1: boom`); `traceback` is
/// Lua's `stack traceback:` text when one was taken.
public struct LuaError: Error, CustomStringConvertible, Sendable {
    /// Where the error came from.
    public enum Kind: Sendable {
        case syntax, runtime, memory, file
    }

    public let kind: Kind
    public let message: String
    public let traceback: String?

    public init(kind: Kind, message: String, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    /// The message followed by the traceback, as `lua5.4` prints it.
    public var description: String {
        guard let traceback, !traceback.isEmpty else { return message }
        return message + "\n" + traceback
    }
}

/// Thrown by a bound Swift function to report a bad argument; becomes Lua's
/// own `bad argument #N to 'name' (why)` with the caller's position.
public struct LuaArgumentError: Error, CustomStringConvertible, Sendable {
    public let index: Int32
    public let reason: String

    public init(_ index: Int32, _ reason: String) {
        self.index = index
        self.reason = reason
    }

    public var description: String { "bad argument #\(index) (\(reason))" }
}

/// Thrown by a bound Swift function to fail with a message; the caller's
/// `chunkname:line:` is put in front of it, as `luaL_error` does.
public struct LuaScriptError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

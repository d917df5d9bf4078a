/// A SIGSEGV delivered to a process: who, where, what access, and why.
public struct Segfault: Sendable, Equatable, CustomStringConvertible {
    /// The process.
    public var pid: Int
    /// Its name.
    public var name: String
    /// The faulting virtual address.
    public var va: UInt64
    /// The access that faulted.
    public var access: AccessKind
    /// Why the access is invalid.
    public var reason: SegvReason
    /// Extra words (e.g. what a Lua fault handler said when it killed the process).
    public var detail: String = ""
    /// True when the process was killed by the signal (it had no `catch_segv`).
    public var killed: Bool

    /// `SIGSEGV: pid 2 (shell) write at 0x1000: write to a read-only page (process killed)`.
    public var description: String {
        var text = "SIGSEGV: pid \(pid) (\(name)) \(access) at \(Units.hex(va)): \(reason.rawValue)"
        if !detail.isEmpty { text += " (\(detail))" }
        if killed { text += " (process killed)" }
        return text
    }

    /// The reason and detail of a message made by `description` (as a Lua error carries it),
    /// or nil when `message` is not a SIGSEGV message.
    public static func reason(in message: String) -> (reason: SegvReason, detail: String)? {
        guard let start = message.firstRange(of: "SIGSEGV: ") else { return nil }
        var rest = Substring(message[start.upperBound...])
        if rest.hasSuffix(" (process killed)") { rest = rest.dropLast(" (process killed)".count) }
        for reason in SegvReason.allCases {
            guard let at = rest.firstRange(of: ": " + reason.rawValue) else { continue }
            var detail = rest[at.upperBound...]
            if detail.hasPrefix(" (") && detail.hasSuffix(")") { detail = detail.dropFirst(2).dropLast() }
            return (reason, String(detail))
        }
        return nil
    }
}

/// What a kernel operation reports instead of a result: a system-call error (an errno and a
/// sentence saying what and where) or a SIGSEGV from an access.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// A system call failed: `EINVAL: mmap: length 0 (must be at least one byte)`.
    case errno(Errno, String)
    /// An access was invalid and the process got SIGSEGV.
    case segv(Segfault)

    /// A system-call error.
    static func fail(_ errno: Errno, _ call: String, _ message: String) -> KernelError {
        .errno(errno, "\(call): \(message)")
    }

    /// A hardware error met inside system call `call`: out of memory becomes ENOMEM, anything
    /// else EINVAL (a bad address or size the hardware refused).
    static func from(_ error: VMError, in call: String) -> KernelError {
        if case .outOfMemory = error { return .fail(.ENOMEM, call, error.description) }
        return .fail(.EINVAL, call, error.description)
    }

    /// The errno, or nil for a SIGSEGV.
    public var errnoValue: Errno? {
        if case let .errno(e, _) = self { return e }
        return nil
    }

    /// `EINVAL: mmap: …` or `SIGSEGV: pid 2 …`.
    public var description: String {
        switch self {
        case let .errno(e, message): return "\(e.rawValue): \(message)"
        case let .segv(fault): return fault.description
        }
    }
}

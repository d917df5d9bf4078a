/// The protection of a VMA: read, write, execute (PROT_READ | PROT_WRITE | PROT_EXEC).
/// None of them is PROT_NONE (reserved address space).
public struct Protection: Sendable, Equatable, CustomStringConvertible {
    /// PROT_READ.
    public var read: Bool
    /// PROT_WRITE.
    public var write: Bool
    /// PROT_EXEC.
    public var execute: Bool

    /// A protection; the default is PROT_NONE.
    public init(read: Bool = false, write: Bool = false, execute: Bool = false) {
        self.read = read; self.write = write; self.execute = execute
    }

    /// PROT_READ | PROT_WRITE.
    public static let readWrite = Protection(read: true, write: true)
    /// PROT_NONE.
    public static let none = Protection()

    /// Parses `"rw-"`, `"r-x"`, `"rw"`, `"rwx"`, `"---"`, `"none"`, `""`: the letters r, w, x in
    /// any order, dashes ignored. Nil for any other character.
    public init?(text: String) {
        self.init()
        if text == "none" { return }
        for c in text {
            switch c {
            case "r": read = true
            case "w": write = true
            case "x": execute = true
            case "-": break
            default: return nil
            }
        }
    }

    /// True for PROT_NONE.
    public var isNone: Bool { !read && !write && !execute }

    /// `"rw-"`, `"r-x"`, `"---"` as /proc/PID/maps shows it.
    public var description: String {
        (read ? "r" : "-") + (write ? "w" : "-") + (execute ? "x" : "-")
    }

    /// True when `access` is allowed.
    public func allows(_ access: AccessKind) -> Bool {
        switch access {
        case .read: read
        case .write: write
        case .execute: execute
        }
    }
}

/// Why contiguous allocation refused a program.
public enum ContiguousError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No hole is large enough, although `free` bytes may be free in all (external fragmentation).
    case outOfMemory(name: String, bytes: UInt64, free: UInt64, holes: Int, largest: UInt64)
    /// A program of that name is already loaded.
    case duplicateName(String)
    /// A program or segment of zero bytes, or a segment list that is empty or names a segment twice.
    case badSize(String)
    /// The program was unloaded.
    case unloaded(String)
    /// A memory size of zero or beyond 1 TiB.
    case badMemory(UInt64)

    public var description: String {
        switch self {
        case let .outOfMemory(name, bytes, free, holes, largest):
            let why = free >= bytes ? " — external fragmentation: enough is free, but not in one piece" : ""
            return "ENOMEM: no hole holds \(name) (\(Units.size(bytes))): \(Units.size(free)) free in \(holes) "
                + "hole\(holes == 1 ? "" : "s"), the largest \(Units.size(largest))\(why)"
        case let .duplicateName(name): return "a program named '\(name)' is already loaded"
        case let .badSize(why): return why
        case let .unloaded(name): return "program '\(name)' has been unloaded"
        case let .badMemory(bytes): return "contiguous memory must be 1 byte … 1 TiB, got \(bytes) bytes"
        }
    }
}

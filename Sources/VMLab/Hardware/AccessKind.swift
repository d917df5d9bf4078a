/// What a memory access does: read data, write data, or fetch an instruction (execute).
/// It decides which permission the walker checks, and it is what trace records carry.
///
/// The raw values are the ones stored in the binary trace format (see `BinaryTraceFormat`).
/// Valgrind's "modify" (` M`) is not a kind of its own: readers expand it into a read followed
/// by a write of the same bytes.
///
/// ```swift
/// AccessKind(letter: UInt8(ascii: "W"))   // .write
/// AccessKind.execute.letter                // "I"
/// ```
public enum AccessKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A data load.
    case read = 0
    /// A data store: needs a writable page; sets the Dirty bit.
    case write = 1
    /// An instruction fetch: needs an executable page (NX clear / X set).
    case execute = 2

    /// `"read"`, `"write"` or `"execute"`: the names the Lua API uses.
    public var description: String {
        switch self {
        case .read: "read"
        case .write: "write"
        case .execute: "execute"
        }
    }

    /// `"R"`, `"W"` or `"I"`: the one-letter form used in page lists.
    public var letter: Character {
        switch self {
        case .read: "R"
        case .write: "W"
        case .execute: "I"
        }
    }

    /// Parses a one-letter kind, either case: `R`/`L` read, `W`/`S` write, `I`/`F`/`X` fetch.
    /// Returns nil for anything else (`M` is not a single kind).
    public init?(letter: UInt8) {
        switch letter | 0x20 {  // lower-case ASCII letters
        case UInt8(ascii: "r"), UInt8(ascii: "l"): self = .read
        case UInt8(ascii: "w"), UInt8(ascii: "s"): self = .write
        case UInt8(ascii: "i"), UInt8(ascii: "f"), UInt8(ascii: "x"): self = .execute
        default: return nil
        }
    }

    /// Parses a name as the Lua API and CSV files write it, ignoring case: `read`/`load`/`r`/`l`,
    /// `write`/`store`/`w`/`s`, `fetch`/`exec`/`execute`/`instruction`/`i`/`f`/`x`.
    public init?(name: String) {
        switch name.lowercased() {
        case "read", "load", "r", "l": self = .read
        case "write", "store", "w", "s": self = .write
        case "fetch", "exec", "execute", "instruction", "i", "f", "x": self = .execute
        default: return nil
        }
    }
}

/// The privilege level of an access: user pages are open to both, supervisor pages to supervisor only.
public enum Privilege: String, Sendable, Equatable {
    /// CPL 3 / U-mode.
    case user
    /// CPL 0 / S-mode (kernel).
    case supervisor
}

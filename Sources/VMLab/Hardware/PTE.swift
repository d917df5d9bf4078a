/// A decoded page-table entry: every flag as a Bool and the frame number. Flags a format lacks
/// decode as false (x86 has no separate R/X bits: `readable` mirrors present, `executable` is !NX).
/// Encode and decode with `PagingMode.encode(_:)` / `PagingMode.decode(_:)`.
public struct PTE: Sendable, Equatable {
    /// The raw entry this was decoded from (0 when built by hand).
    public var raw: UInt64 = 0
    /// x86 P / RISC-V V.
    public var present = false
    /// RISC-V R (x86: same as present).
    public var readable = false
    /// x86 R/W, RISC-V W.
    public var writable = false
    /// RISC-V X (x86: NX clear).
    public var executable = false
    /// x86 U/S, RISC-V U.
    public var user = false
    /// Accessed: set by the walker when the entry is used.
    public var accessed = false
    /// Dirty: set by the walker on a write through a leaf.
    public var dirty = false
    /// Global.
    public var global = false
    /// x86 PS: an upper-level entry mapping a huge page.
    public var huge = false
    /// x86 NX (execute disable).
    public var noExecute = false
    /// x86 PWT.
    public var writeThrough = false
    /// x86 PCD.
    public var cacheDisable = false
    /// Frame number (PFN / PPN): the physical address divided by the base page size.
    public var frame: UInt64 = 0
    /// x86 PKU protection key (0…15) of a leaf; 0 where the format has none.
    public var protectionKey = 0

    /// An entry with the given fields; everything not given is clear.
    public init(present: Bool = false, readable: Bool = false, writable: Bool = false,
                executable: Bool = false, user: Bool = false, accessed: Bool = false,
                dirty: Bool = false, global: Bool = false, huge: Bool = false,
                noExecute: Bool = false, writeThrough: Bool = false, cacheDisable: Bool = false,
                frame: UInt64 = 0) {
        self.present = present; self.readable = readable; self.writable = writable
        self.executable = executable; self.user = user; self.accessed = accessed
        self.dirty = dirty; self.global = global; self.huge = huge; self.noExecute = noExecute
        self.writeThrough = writeThrough; self.cacheDisable = cacheDisable; self.frame = frame
    }

    /// Flags as short letters, e.g. `"P W U A D"` (x86) or `"V R W X U A D"` (RISC-V).
    public func flagText(_ architecture: Architecture) -> String {
        var parts: [String] = []
        func add(_ on: Bool, _ name: String) { if on { parts.append(name) } }
        switch architecture {
        case .x86:
            add(present, "P"); add(writable, "W"); add(user, "U"); add(writeThrough, "PWT")
            add(cacheDisable, "PCD"); add(accessed, "A"); add(dirty, "D"); add(huge, "PS")
            add(global, "G"); add(noExecute, "NX"); add(protectionKey != 0, "K\(protectionKey)")
        case .riscv:
            add(present, "V"); add(readable, "R"); add(writable, "W"); add(executable, "X")
            add(user, "U"); add(global, "G"); add(accessed, "A"); add(dirty, "D")
        case .textbook:
            add(present, "V"); add(writable, "W"); add(user, "U"); add(executable, "X")
            add(accessed, "A"); add(dirty, "D")
        }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }
}

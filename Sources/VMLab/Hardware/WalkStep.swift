/// One entry read by a detailed walk, for teaching: where it is and what it says.
public struct WalkStep: Sendable, Equatable {
    /// Level (0 = root).
    public var level: Int
    /// Name of the table level, e.g. "PML4" or "level 2".
    public var levelName: String
    /// Index of the entry in its table (from the VA bits of this level).
    public var index: Int
    /// Physical address of the table.
    public var tableAddress: UInt64
    /// Physical address of the entry: `tableAddress + index × pteBytes`.
    public var pteAddress: UInt64
    /// The entry as read, before the walker set Accessed/Dirty.
    public var raw: UInt64
    /// The entry after the walker's Accessed/Dirty update (equal to `raw` if unchanged).
    public var updated: UInt64
    /// `raw` decoded.
    public var pte: PTE
    /// True when this entry is a leaf (maps a page) rather than pointing to the next table.
    public var isLeaf: Bool
}

/// One read of a hashed or inverted page-table search, for teaching: what was read, where,
/// and whether it was the page searched for.
public struct HashProbe: Sendable, Equatable {
    /// What was read: "anchor" (hash anchor table entry), "entry" (inverted table entry),
    /// "primary" / "secondary" (an entry of the primary or secondary group), "overflow" (the
    /// operating system's software overflow table: not a memory reference).
    public var what: String
    /// Anchor bucket, entry index (inverted: the frame number, or frames + alias number) or
    /// group number.
    public var index: Int
    /// Slot within the group (hashed), else 0.
    public var slot: Int
    /// Physical address read.
    public var address: UInt64
    /// The tag word read (valid, secondary-hash bit, space id, VPN); for an anchor, the entry
    /// index + 1 it holds (0 = empty chain).
    public var tag: UInt64
    /// The PTE word read (the paging mode's leaf format) and after the walker's A/D update.
    public var pte: UInt64
    public var updated: UInt64
    /// True when this entry is the page searched for.
    public var matched: Bool
}

/// The shape of a machine-wide inverted or hashed page table, fixed at boot.
public struct HashedPageTableConfiguration: Sendable, Equatable {
    /// `.inverted` or `.hashed` (`.radix` is not a hashed table).
    public var kind: PageTableKind
    /// Inverted: entries of the hash anchor table (a power of two; nil: the next power of two
    /// at or above the number of frames).
    public var buckets: Int?
    /// Hashed: groups (PTEGs) of 8 entries (a power of two; nil: the next power of two at or
    /// above frames / 4, i.e. twice as many entries as frames, PowerPC's recommendation).
    public var groups: Int?
    /// Inverted: alias entries for frames mapped in more than one space (nil: frames / 64, at
    /// least 16).
    public var aliases: Int?

    /// A configuration; sizes left nil take the defaults above.
    public init(kind: PageTableKind, buckets: Int? = nil, groups: Int? = nil, aliases: Int? = nil) {
        self.kind = kind; self.buckets = buckets; self.groups = groups; self.aliases = aliases
    }
}

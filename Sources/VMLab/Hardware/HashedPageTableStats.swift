/// Counters and sizes of a machine-wide inverted or hashed page table (`m.stats.page_table`).
public struct HashedPageTableStats: Sendable, Equatable {
    /// `inverted` or `hashed`.
    public var kind: PageTableKind
    /// Entries of the table (inverted: frames + alias entries; hashed: groups × 8).
    public var entries: Int
    /// Bytes per entry (inverted 24: tag, PTE, next; hashed 16: tag, PTE).
    public var entryBytes: Int
    /// Hash anchor table entries (inverted) or groups (hashed).
    public var buckets: Int
    /// Bytes of the hash anchor table (0 for hashed).
    public var anchorBytes: Int
    /// Bytes of the whole table: entries × entry size + anchor table, whatever the VA use.
    public var tableBytes: Int
    /// Entries in use (valid).
    public var used: Int
    /// Inverted: alias entries in use (a frame mapped by a second space) and their pool size.
    public var aliasesUsed: Int
    public var aliases: Int
    /// Inverted: mappings refused because the alias pool was full.
    public var aliasRefusals: Int
    /// Hashed: translations moved to the software overflow table because both groups were
    /// full, those there now, and reloads from it on a hash miss.
    public var evictions: Int
    public var overflow: Int
    public var overflowReloads: Int
    /// Searches by the MMU, entries they read and entries read that belonged to another page.
    public var searches: Int
    public var probes: Int
    public var collisions: Int
}

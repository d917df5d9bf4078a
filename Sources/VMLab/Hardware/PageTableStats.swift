/// A snapshot of an address space's size, for `PageTable.stats`.
public struct PageTableStats: Sendable, Equatable {
    /// Level names, root first (e.g. PML4, PDPT, PD, PT).
    public var levelNames: [String]
    /// Table pages per level, root first.
    public var tablePages: [Int]
    /// Bytes of all table pages.
    public var tableBytes: UInt64
    /// Bytes of virtual memory mapped by leaf entries.
    public var mappedBytes: UInt64
}

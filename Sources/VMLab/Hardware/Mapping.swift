/// One mapping found by `PageTable.lookup`: the page containing an address.
public struct Mapping: Sendable, Equatable {
    /// Virtual address of the start of the page.
    public var pageVA: UInt64
    /// Physical address of the start of the page.
    public var pagePA: UInt64
    /// Size of the page.
    public var pageBytes: UInt64
    /// Level (0 = root) of the leaf entry.
    public var level: Int
    /// Physical address of the leaf entry.
    public var pteAddress: UInt64
    /// The leaf entry, decoded.
    public var pte: PTE
    /// The physical address that the looked-up virtual address maps to.
    public var physicalAddress: UInt64
}

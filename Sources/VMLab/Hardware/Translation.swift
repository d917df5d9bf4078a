/// The outcome of translating one access: a physical address or a fault. A plain struct, so the
/// fast path returns it without allocating.
public struct Translation: Sendable, Equatable {
    /// The physical address (0 when `fault` is set).
    public var physicalAddress: UInt64 = 0
    /// Size of the page that maps the address (0 on a fault).
    public var pageBytes: UInt64 = 0
    /// Level (0 = root) of the leaf entry, or of the faulting entry.
    public var level = 0
    /// Memory references the walk made (entries read).
    public var references = 0
    /// The fault, or nil on success.
    public var fault: PageFault?

    /// True when the translation failed.
    public var isFault: Bool { fault != nil }

    /// An empty result, filled in by the walker.
    public init() {}
}

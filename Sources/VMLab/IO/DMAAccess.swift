/// What a device may do with a page it has mapped (the R and W permission bits of an IOMMU
/// entry: unlike a CPU PTE, an I/O mapping may be write-only).
public enum DMAAccess: String, Sendable, CaseIterable, Equatable {
    /// The device may read the page (DMA to the device, e.g. a packet to transmit).
    case read = "r"
    /// The device may write the page (DMA from the device, e.g. a received packet).
    case write = "w"
    /// Both.
    case readWrite = "rw"

    /// True when DMA reads are allowed.
    public var allowsRead: Bool { self != .write }
    /// True when DMA writes are allowed.
    public var allowsWrite: Bool { self != .read }

    /// Whether this permission allows a DMA `direction` (`.read` or `.write`).
    @inline(__always)
    public func allows(_ direction: AccessKind) -> Bool {
        direction == .write ? allowsWrite : allowsRead
    }
}

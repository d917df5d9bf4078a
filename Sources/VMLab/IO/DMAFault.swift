/// Why the IOMMU refused a DMA.
public enum DMAFaultReason: String, Sendable, CaseIterable, Equatable {
    /// No I/O page-table entry maps the IOVA (or it lies outside the I/O address space).
    case unmapped
    /// A DMA write to a page mapped "r".
    case readOnly = "read-only"
    /// A DMA read from a page mapped "w".
    case writeOnly = "write-only"
    /// A guest's device: the second stage (EPT) could not back the guest-physical page.
    case secondStage = "second stage"
}

/// One entry of a device's fault log: the IOMMU stopped a DMA (real IOMMUs record these in a
/// fault-recording register and interrupt the host; the DMA itself is dropped).
public struct DMAFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The I/O virtual address that faulted (the first byte of the faulting page's part).
    public var iova: UInt64
    /// `.read` (device reads memory) or `.write` (device writes memory).
    public var access: AccessKind
    /// Why.
    public var reason: DMAFaultReason

    /// A fault record.
    public init(iova: UInt64, access: AccessKind, reason: DMAFaultReason) {
        self.iova = iova
        self.access = access
        self.reason = reason
    }

    /// `DMA write fault at iova 0x1000: read-only`.
    public var description: String {
        "DMA \(access == .write ? "write" : "read") fault at iova \(Units.hex(iova)): \(reason.rawValue)"
    }
}

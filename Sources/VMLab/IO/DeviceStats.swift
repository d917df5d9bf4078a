/// Counters of one device behind the IOMMU.
public struct DeviceStats: Sendable, Equatable {
    /// IOTLB lookups that found the translation.
    public var iotlbHits = 0
    /// IOTLB lookups that went to the I/O page-table walker.
    public var iotlbMisses = 0
    /// I/O page-table walks (one per IOTLB miss).
    public var walks = 0
    /// Memory references of those walks (the I/O table, plus the guest's EPT for an assigned device).
    public var walkReferences = 0
    /// Page translations made (hits + misses).
    public var translations = 0
    /// dma_read calls that completed.
    public var dmaReads = 0
    /// dma_write calls that completed.
    public var dmaWrites = 0
    /// Bytes read from memory by completed DMA.
    public var bytesRead = 0
    /// Bytes written to memory by completed DMA.
    public var bytesWritten = 0
    /// DMA refused, by reason (indexed like `DMAFaultReason.allCases`).
    public var faultsByReason = [Int](repeating: 0, count: DMAFaultReason.allCases.count)
    /// IOTLB entries removed by unmaps.
    public var invalidations = 0
    /// Pages mapped / unmapped so far.
    public var pagesMapped = 0
    public var pagesUnmapped = 0
    /// Cycles of translation: IOTLB hits at the first TLB level's hit cost, walks at the memory
    /// reference cost per reference.
    public var cycles = 0

    /// All zero.
    public init() {}

    /// Every DMA fault.
    public var faults: Int { faultsByReason.reduce(0, +) }

    /// DMA faults for `reason`.
    public func faults(_ reason: DMAFaultReason) -> Int {
        faultsByReason[DMAFaultReason.allCases.firstIndex(of: reason) ?? 0]
    }

    /// hits / (hits + misses), 0 before any translation.
    public var iotlbHitRate: Double {
        iotlbHits + iotlbMisses == 0 ? 0 : Double(iotlbHits) / Double(iotlbHits + iotlbMisses)
    }
}

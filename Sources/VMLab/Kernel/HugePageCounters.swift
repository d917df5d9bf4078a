/// Huge-page and compaction counters, named after Linux's `/proc/vmstat` fields.
public struct HugePageCounters: Sendable, Equatable {
    /// Faults that mapped a transparent huge page at once.
    public var thpFaultAlloc = 0
    /// Faults in a huge-page region that found no free aligned block and mapped a base page.
    public var thpFaultFallback = 0
    /// Regions collapsed into a huge page (promotion of a full region, or khugepaged).
    public var thpCollapseAlloc = 0
    /// Collapses that found no free aligned block.
    public var thpCollapseAllocFailed = 0
    /// Huge pages split back into base pages (partial munmap/mprotect/madvise, COW fallback).
    public var thpSplitPage = 0
    /// Transparent huge pages reclaim split so as to swap their base pages out.
    public var thpSplitReclaim = 0
    /// Regions khugepaged looked at (each costs the region's base pages of its budget).
    public var khugepagedScanned = 0
    /// Base pages moved by compaction.
    public var compactMigrated = 0
    /// Free huge-page blocks compaction formed.
    public var compactBlocks = 0
    /// Compaction runs that formed at least one free huge-page block.
    public var compactSuccess = 0
    /// Compaction runs that formed none.
    public var compactFail = 0

    /// All zero.
    public init() {}
}

/// Counters of the swap device and of reclaim (machine-wide).
public struct SwapCounters: Sendable, Equatable {
    /// Pages read back from a slot (major faults).
    public var swapIns = 0
    /// Faults on a swap entry whose page was still in memory (swap cache): no read.
    public var cacheHits = 0
    /// Pages evicted to swap: `writebacks + cleanDrops`.
    public var swapOuts = 0
    /// Evictions that wrote the page to its slot (dirty, or never written there before).
    public var writebacks = 0
    /// Evictions of a clean swap-cached page: its slot already held it, nothing written.
    public var cleanDrops = 0
    /// Evicted page-cache pages of files that equalled the file's bytes: dropped, nothing written.
    public var fileDrops = 0
    /// Evicted page-cache pages of files written back to the file first.
    public var fileWritebacks = 0
    /// Reclaim passes started because free frames fell below the low watermark.
    public var reclaimRuns = 0
    /// Victims the policy chose that could not be evicted (locked, or mapped where the reverse map cannot see).
    public var skipped = 0
    /// Processes killed by the OOM killer.
    public var ooms = 0
    /// Page tables swapped out (with `swapsPageTables`).
    public var tableSwapOuts = 0
    /// Page tables read back from swap by a fault (or fork).
    public var tableSwapIns = 0

    /// All zero.
    public init() {}
}

/// Event counters of one process (what `getrusage` and /proc/PID/stat report, and more).
public struct ProcessCounters: Sendable, Equatable {
    /// Faults handled without I/O: demand zero, page-cache hit, COW break, stack growth.
    public var minorFaults = 0
    /// Faults that needed I/O: a file page read from the store, a swap-in.
    public var majorFaults = 0
    /// Minor faults that zero-filled a fresh page.
    public var demandZeroFaults = 0
    /// COW breaks that copied the page.
    public var cowCopies = 0
    /// COW breaks that found the page no longer shared and just made it writable again.
    public var cowReuses = 0
    /// Faults that grew a stack.
    public var stackGrowths = 0
    /// Faults resolved from the page cache.
    public var pageCacheHits = 0
    /// Accesses (reads, writes, fetches, touches) made through the MMU.
    public var accesses = 0
    /// Pages read back from swap for this process (major faults).
    public var swapIns = 0
    /// This process's PTEs that reclaim turned into swap entries.
    public var swapOuts = 0

    /// All zero.
    public init() {}
}

/// How the fault handler resolved a fault (minor: no I/O; major: I/O).
public enum FaultKind: String, Sendable, Equatable {
    /// Minor: first touch of an anonymous page, a zeroed frame was mapped.
    case demandZero = "demand-zero"
    /// Minor: the page was in the page cache (file or shared memory), it was mapped.
    case pageCache = "page-cache"
    /// Minor: a write to a COW page that is shared: the page was copied.
    case cowCopy = "cow-copy"
    /// Minor: a write to a COW page whose other sharers are gone: made writable again.
    case cowReuse = "cow-reuse"
    /// Minor: an access just below a stack grew it (then demand zero).
    case stackGrowth = "stack-growth"
    /// Major: a file page was read from the file store into the page cache.
    case fileRead = "file-read"
    /// Major: a page was read back from swap (through the swap-in hook).
    case swapIn = "swap-in"
    /// Minor: a swapped-out page still in memory (swap cache) was mapped again, no read.
    case swapCache = "swap-cache"
    /// Nothing to do: the page table already allowed the access (a stale TLB entry).
    case spurious = "spurious"
    /// A fault handler written in Lua resolved it.
    case custom = "custom"

    /// True for faults that needed I/O.
    public var isMajor: Bool { self == .fileRead || self == .swapIn }
}

/// Machine-wide counters of the kernel (per-process ones are in `ProcessCounters`).
public struct KernelCounters: Sendable, Equatable {
    /// Processes created by `spawn`.
    public var spawns = 0
    /// Successful forks.
    public var forks = 0
    /// Processes that exited (or were killed).
    public var exits = 0
    /// SIGSEGVs delivered.
    public var segvs = 0
    /// COW breaks that copied a page.
    public var cowCopies = 0
    /// COW breaks that reused the page (last sharer).
    public var cowReuses = 0
    /// Page-table pages allocated for children by fork.
    public var forkTablePages = 0

    /// All zero.
    public init() {}
}

/// What replaying a batch of accesses as a process cost (see `Kernel.run`).
public struct ProcessRunSummary: Sendable, Equatable {
    /// Accesses replayed.
    public var accesses = 0
    /// Page faults the kernel handled on the way (minor and major).
    public var minorFaults = 0
    public var majorFaults = 0
    /// Pages mapped because the trace touched an address no VMA covered (`mapMissing`).
    public var mappedPages = 0

    public init() {}
}

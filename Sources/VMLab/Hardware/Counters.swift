/// Event counters of a machine, as plain integers (cheap to bump on the hot path).
public final class Counters {
    /// Memory accesses translated (by the MMU or by `PageTable.translate`/`walk`).
    public var accesses = 0
    /// Page walks started.
    public var walks = 0
    /// Memory references made by page walks.
    public var memoryReferences = 0
    /// Page faults of any kind raised by walks.
    public var pageFaults = 0
    /// Faults because an entry on the path was not present.
    public var notPresentFaults = 0
    /// Faults because of permissions (write, user, execute, read).
    public var protectionFaults = 0
    /// Faults because of reserved bits or malformed entries.
    public var reservedBitFaults = 0
    /// Minor faults handled (kernel; no I/O).
    public var minorFaults = 0
    /// Major faults handled (kernel; I/O).
    public var majorFaults = 0
    /// Total cycles charged by the cost model.
    public var cycles = 0

    /// All counters at zero.
    public init() {}

    /// Sets every counter back to zero.
    public func reset() {
        accesses = 0; walks = 0; memoryReferences = 0; pageFaults = 0; notPresentFaults = 0
        protectionFaults = 0; reservedBitFaults = 0; minorFaults = 0; majorFaults = 0; cycles = 0
    }
}

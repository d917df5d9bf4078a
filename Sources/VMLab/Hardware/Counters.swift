/// The raw counter values, kept in one heap block so that bumping them on the hot path is a
/// plain store (no exclusivity check, as a class's stored `var` would need).
public struct CounterValues: Sendable, Equatable {
    /// Memory accesses translated (by the MMU or by `PageTable.translate`/`walk`).
    public var accesses = 0
    /// Page walks started.
    public var walks = 0
    /// Memory references made by page walks.
    public var memoryReferences = 0
    /// Page faults of any kind raised by walks.
    public var pageFaults = 0
    /// Faults because an entry on the path was not present (or the address was non-canonical).
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

    /// All zero.
    public init() {}
}

/// Event counters of a machine, as plain integers (cheap to bump on the hot path).
public final class Counters {
    /// The storage; `values` reads or replaces all counters at once.
    let storage: UnsafeMutablePointer<CounterValues>

    /// All counters at zero.
    public init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: CounterValues())
    }

    deinit { storage.deallocate() }

    /// A copy of every counter (for snapshots and differences).
    public var values: CounterValues {
        get { storage.pointee }
        set { storage.pointee = newValue }
    }

    /// Sets every counter back to zero.
    public func reset() { storage.pointee = CounterValues() }

    /// Memory accesses translated (by the MMU or by `PageTable.translate`/`walk`).
    public var accesses: Int {
        @inline(__always) get { storage.pointee.accesses }
        @inline(__always) set { storage.pointee.accesses = newValue }
    }

    /// Page walks started.
    public var walks: Int {
        @inline(__always) get { storage.pointee.walks }
        @inline(__always) set { storage.pointee.walks = newValue }
    }

    /// Memory references made by page walks.
    public var memoryReferences: Int {
        @inline(__always) get { storage.pointee.memoryReferences }
        @inline(__always) set { storage.pointee.memoryReferences = newValue }
    }

    /// Page faults of any kind raised by walks.
    public var pageFaults: Int {
        @inline(__always) get { storage.pointee.pageFaults }
        @inline(__always) set { storage.pointee.pageFaults = newValue }
    }

    /// Faults because an entry on the path was not present (or the address was non-canonical).
    public var notPresentFaults: Int {
        @inline(__always) get { storage.pointee.notPresentFaults }
        @inline(__always) set { storage.pointee.notPresentFaults = newValue }
    }

    /// Faults because of permissions (write, user, execute, read).
    public var protectionFaults: Int {
        @inline(__always) get { storage.pointee.protectionFaults }
        @inline(__always) set { storage.pointee.protectionFaults = newValue }
    }

    /// Faults because of reserved bits or malformed entries.
    public var reservedBitFaults: Int {
        @inline(__always) get { storage.pointee.reservedBitFaults }
        @inline(__always) set { storage.pointee.reservedBitFaults = newValue }
    }

    /// Minor faults handled (kernel; no I/O).
    public var minorFaults: Int {
        @inline(__always) get { storage.pointee.minorFaults }
        @inline(__always) set { storage.pointee.minorFaults = newValue }
    }

    /// Major faults handled (kernel; I/O).
    public var majorFaults: Int {
        @inline(__always) get { storage.pointee.majorFaults }
        @inline(__always) set { storage.pointee.majorFaults = newValue }
    }

    /// Total cycles charged by the cost model.
    public var cycles: Int {
        @inline(__always) get { storage.pointee.cycles }
        @inline(__always) set { storage.pointee.cycles = newValue }
    }
}

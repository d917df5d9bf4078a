/// A TLB miss as a software refill handler sees it (MIPS: BadVAddr, EntryHi's VPN and ASID).
public struct TLBMiss: Sendable, Equatable {
    /// The CPU that missed.
    public var cpu: Int
    /// The faulting virtual address.
    public var va: UInt64
    public var access: AccessKind
    public var privilege: Privilege
    /// The tag the entry must carry to be found (the current ASID, or the CPU number).
    public var tag: Int
}

/// Counters of a guest's nested paging and of the hypervisor's handling of its memory.
public struct GuestStats: Sendable, Equatable {
    /// EPT violations: accesses to a guest-physical page with no host frame (first touch, or
    /// after the host evicted it), each resolved by giving the page a frame. Each is a VM exit
    /// (reason `ept_violation`) costing `GuestBacking.exitCycles`, plus the swap's read latency
    /// when the page comes back from the guest's swap.
    public var eptViolations = 0
    /// Host frames backing guest-physical pages now (EPT tables not included).
    public var hostFrames = 0
    /// Nested walks made.
    public var nestedWalks = 0
    /// Memory references of all nested walks (EPT and guest PTE reads).
    public var references = 0
    /// Guest pages the host evicted to the guest's swap (double paging).
    public var hostSwapOuts = 0
    /// Guest pages read back from the guest's swap on an EPT violation.
    public var hostSwapIns = 0
    /// Guest pages the balloon driver holds (given back to the host).
    public var balloonPages = 0
    /// Host frames freed by inflating the balloon.
    public var balloonFreed = 0
    /// EPT references of nested walks (included in `references`).
    public var eptReferences = 0
    /// Nested page-walk-cache hits: guest table pages whose EPT walk was skipped.
    public var nestedPWCHits = 0
    /// Shadow paging: hidden page faults (VM exits that filled a shadow entry).
    public var shadowFaults = 0
    /// Shadow paging: guest PTE writes that trapped (VM exits).
    public var pteWriteExits = 0
    /// Shadow paging: first writes to a page whose guest PTE was clean (its shadow entry was
    /// write-protected); the hypervisor set the guest PTE's Dirty bit (VM exits).
    public var adUpdateExits = 0
    /// Cycles of all VM exits (`exits`): `GuestBacking.exitCycles` each, plus the swap read
    /// latency of EPT violations that read a page back from the guest's swap.
    public var exitCycles = 0
    /// INVEPT flushes: the hypervisor removed an EPT mapping and dropped the guest's cached
    /// translations.
    public var inveptFlushes = 0

    /// VM exits of every reason: EPT violations, shadow faults, trapped PTE writes and
    /// Accessed/Dirty updates.
    public var exits: Int { eptViolations + shadowFaults + pteWriteExits + adUpdateExits }

    /// Counters with these values (all zero by default).
    public init(eptViolations: Int = 0, hostFrames: Int = 0, nestedWalks: Int = 0, references: Int = 0,
                hostSwapOuts: Int = 0, hostSwapIns: Int = 0, balloonPages: Int = 0, balloonFreed: Int = 0) {
        self.eptViolations = eptViolations
        self.hostFrames = hostFrames
        self.nestedWalks = nestedWalks
        self.references = references
        self.hostSwapOuts = hostSwapOuts
        self.hostSwapIns = hostSwapIns
        self.balloonPages = balloonPages
        self.balloonFreed = balloonFreed
    }
}

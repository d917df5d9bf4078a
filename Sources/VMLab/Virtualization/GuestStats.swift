/// Counters of a guest's nested paging and of the hypervisor's handling of its memory.
public struct GuestStats: Sendable, Equatable {
    /// EPT violations: accesses to a guest-physical page with no host frame (first touch, or
    /// after the host evicted it), each resolved by giving the page a frame.
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
    /// Cycles of shadow-paging VM exits.
    public var exitCycles = 0
    /// INVEPT flushes: the hypervisor removed an EPT mapping and dropped the guest's cached
    /// translations.
    public var inveptFlushes = 0

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

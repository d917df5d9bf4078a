/// The outcome of a nested (two-dimensional) walk of one guest virtual address: every memory
/// reference in order, and the guest- and host-physical addresses or a fault.
public struct NestedWalk: Sendable, Equatable {
    /// The guest virtual address translated.
    public var va: UInt64
    /// Every reference, in hardware order: for each guest level the EPT references translating
    /// the guest PTE's guest-physical address, then the guest PTE; last the EPT references for
    /// the data page.
    public var steps: [NestedStep]
    /// Guest-physical address of `va` (nil when the guest walk faulted).
    public var guestPhysicalAddress: UInt64?
    /// Host-physical address of `va` (nil on any fault).
    public var physicalAddress: UInt64?
    /// EPT violations this walk caused (host frames allocated on the way; the walk shown is the
    /// retried one, after the hypervisor mapped the page).
    public var eptViolations: Int
    /// Cycles: references × the host's `costs.memoryReference`, plus the VM exits of its EPT
    /// violations (`GuestBacking.exitCycles` each, and the swap read of a page read back).
    public var cycles: Int
    /// The fault, or nil.
    public var fault: NestedFault?

    /// Memory references made (`steps.count`).
    public var references: Int { steps.count }
    /// References into the EPT.
    public var eptReferences: Int { steps.count(where: { $0.kind == .ept }) }
    /// Reads of guest PTEs.
    public var guestReferences: Int { steps.count(where: { $0.kind == .guestPTE }) }
}

/// Why a nested walk stopped without a host-physical address.
public enum NestedFault: Sendable, Equatable, CustomStringConvertible {
    /// The guest's own page table refused the access (a page fault the guest kernel handles).
    case guest(PageFault)
    /// The EPT could not back a guest-physical page (an EPT violation the hypervisor could not
    /// resolve, e.g. the host is out of memory), or the host walk of the EPT faulted.
    case ept(guestPhysicalAddress: UInt64, reason: String)

    /// One line for messages.
    public var description: String {
        switch self {
        case let .guest(fault): return "guest page fault: \(fault.reason.rawValue) at level \(fault.level)"
        case let .ept(gpa, reason): return "EPT fault at guest-physical \(Units.hex(gpa)): \(reason)"
        }
    }
}

/// One memory reference of a nested (two-dimensional) page walk, in the order the hardware makes it.
public struct NestedStep: Sendable, Equatable {
    /// What a reference reads.
    public enum Kind: String, Sendable {
        /// An entry of the host's EPT/NPT/G-stage tables, translating a guest-physical address.
        case ept
        /// An entry of the guest's own page table (read at its host-physical address).
        case guestPTE = "guest pte"
    }

    /// What this reference reads.
    public var kind: Kind
    /// The guest level being served (0 = guest root). For the final translation of the data page
    /// it is the guest's level count (one past the guest's last level).
    public var guestLevel: Int
    /// The host (EPT) level of an `ept` reference (0 = EPT root); nil for a guest PTE read.
    public var hostLevel: Int?
    /// Host-physical address read.
    public var physicalAddress: UInt64
    /// The guest-physical address being translated (`ept`) or of the guest PTE (`guestPTE`).
    public var guestPhysicalAddress: UInt64
    /// The entry as read.
    public var raw: UInt64
}

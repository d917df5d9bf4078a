/// Where a guest's virtual CPUs cache translations.
public enum GuestTLBSharing: String, Sendable, CaseIterable {
    /// Virtual CPU i uses host CPU i's TLB structures and page-walk caches, its entries tagged
    /// with the guest's VMID: host and guests compete for entries, a VM switch flushes nothing,
    /// and INVEPT drops only this guest's entries. Needs a guest paging mode with the host's
    /// page sizes and levels, the host's TLB configuration, and no more virtual CPUs than host CPUs.
    case shared
    /// The guest's virtual CPUs have structures of their own (as if each had a core to itself):
    /// any TLB configuration, any number of virtual CPUs.
    case `private`
}

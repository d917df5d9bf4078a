/// How a hypervisor virtualizes a guest's address translation.
public enum GuestMode: String, Sendable, CaseIterable {
    /// Nested paging (Intel EPT, AMD NPT, RISC-V G-stage): the hardware walks the guest's tables
    /// and translates each guest-physical address through the host's second-stage tables.
    case nested
    /// Shadow paging: the hypervisor keeps tables mapping guest virtual to host physical
    /// addresses directly, write-protects the guest's tables and re-syncs on each trapped write.
    case shadow
}

/// How a machine organizes its page tables (`vm.machine{page_table = …}`).
public enum PageTableKind: String, Sendable, Equatable, CaseIterable {
    /// A tree per address space (x86, RISC-V): root at CR3/satp, one table page per level.
    case radix
    /// One table for the whole machine with one entry per physical frame, searched by
    /// (space id, VPN) through a hash anchor table and chains (IBM RT/System 38, HP PA-RISC).
    case inverted
    /// One table for the whole machine of groups (PTEGs) of 8 entries, a hash of (VSID, VPN)
    /// picking a primary and a secondary group (PowerPC).
    case hashed
}

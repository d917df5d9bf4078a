/// Page ids as policies see them: a virtual page number, optionally with the owner (a process
/// or ASID) packed into the top bits so that one frame table can hold pages of many processes.
///
/// Layout: bits 52…63 owner (0…4095), bits 0…51 VPN (enough for 4 KiB pages of a 64-bit
/// address space). The policy simulator uses owner 0, so a page id is just the VPN.
public enum PolicyPage {
    /// Bits of the VPN field.
    public static let vpnBits = 52
    /// The largest owner that fits.
    public static let maxOwner: UInt64 = (1 << 12) - 1

    /// The id of `vpn` of `owner` (both truncated to their fields).
    public static func make(owner: UInt64, vpn: UInt64) -> UInt64 {
        (owner & maxOwner) << UInt64(vpnBits) | vpn & ((1 << UInt64(vpnBits)) - 1)
    }

    /// The owner field of a page id.
    public static func owner(_ page: UInt64) -> UInt64 { page >> UInt64(vpnBits) }

    /// The VPN field of a page id.
    public static func vpn(_ page: UInt64) -> UInt64 { page & ((1 << UInt64(vpnBits)) - 1) }
}

/// Where each field of a page-table entry sits, as bit masks. The walker's hot path works on
/// these masks only, so every architecture goes through the same branch-light code. A mask of
/// zero means "this format has no such bit".
///
/// x86 (64-bit entries; 32-bit entries for `x86_32` have the same low bits, no NX):
/// ```
///  63  62..52  51..M   M-1..12   11..9  8  7   6  5  4   3   2   1   0
///  NX  ignored reserved  PFN      avail  G  PS  D  A  PCD PWT U/S R/W P
/// ```
/// (M = MAXPHYADDR, the mode's `physicalAddressBits`.)
///
/// RISC-V (Sv39/48/57; Sv32 has a 22-bit PPN in bits 31..10 and no reserved bits):
/// ```
///  63..54    53..10  9..8  7  6  5  4  3  2  1  0
///  reserved  PPN     RSW   D  A  G  U  X  W  R  V
/// ```
public struct PTELayout: Sendable, Equatable {
    /// Present (x86 P) / valid (RISC-V V).
    public var present: UInt64
    /// Readable (RISC-V R); 0 when every present page is readable (x86).
    public var readable: UInt64
    /// Writable (x86 R/W, RISC-V W).
    public var writable: UInt64
    /// Executable (RISC-V X, textbook X); 0 when execution is controlled by `noExecute` or always allowed.
    public var executable: UInt64
    /// User accessible (x86 U/S, RISC-V U).
    public var user: UInt64
    /// Accessed.
    public var accessed: UInt64
    /// Dirty.
    public var dirty: UInt64
    /// Global (survives TLB flushes of other address spaces).
    public var global: UInt64
    /// Page size (x86 PS): set in an upper-level entry that maps a huge page.
    public var huge: UInt64
    /// Execute disable (x86 NX/XD, bit 63).
    public var noExecute: UInt64
    /// Page-level write-through (x86 PWT).
    public var writeThrough: UInt64
    /// Page-level cache disable (x86 PCD).
    public var cacheDisable: UInt64
    /// Bits whose presence makes an entry a leaf at an upper level (x86: PS; RISC-V: R|W|X).
    public var leafBits: UInt64
    /// Bit position of the frame number (PFN/PPN) in the entry.
    public var frameShift: Int
    /// Width of the frame number field in bits.
    public var frameBits: Int
    /// Bits that must be zero in every present entry (x86: MAXPHYADDR..51; RISC-V: 63..54).
    public var reserved: UInt64
    /// True when write/user permissions must hold at every level (x86), false when only the
    /// leaf counts (RISC-V).
    public var permissionsAtEveryLevel: Bool
    /// True when the walker sets Accessed in every entry it uses (x86); false: leaf only (RISC-V).
    public var accessedAtEveryLevel: Bool
    /// Lowest bit of the 4-bit protection key of a leaf (x86 PKU: bits 62..59), 0 when the
    /// format has none.
    public var protectionKeyShift = 0

    /// Mask of the frame-number field in place.
    public var frameMask: UInt64 { Self.lowMask(frameBits) << UInt64(frameShift) }

    /// A mask of the low `bits` bits (64 → all ones).
    @inline(__always)
    public static func lowMask(_ bits: Int) -> UInt64 {
        bits >= 64 ? ~0 : (UInt64(1) << UInt64(bits)) &- 1
    }

    /// x86 layout with `pteBytes` = 8 (x86_64, LA57, PAE) or 4 (x86_32, no NX); `protectionKeys`
    /// for IA-32e paging (4- and 5-level), whose leaves carry a PKU key in bits 62..59.
    public static func x86(pteBytes: Int, physicalAddressBits: Int, noExecute: Bool, protectionKeys: Bool = false) -> PTELayout {
        let wide = pteBytes == 8
        let frameBits = (wide ? physicalAddressBits : 32) - 12
        // Bits MAXPHYADDR..51 are reserved; so is bit 63 (XD) when NX is not enabled (EFER.NXE = 0).
        let reservedBits = wide ? (lowMask(52) & ~lowMask(physicalAddressBits)) | (noExecute ? 0 : 1 << 63) : 0
        var layout = PTELayout(
            present: 1 << 0, readable: 0, writable: 1 << 1, executable: 0, user: 1 << 2,
            accessed: 1 << 5, dirty: 1 << 6, global: 1 << 8, huge: 1 << 7,
            noExecute: wide && noExecute ? 1 << 63 : 0, writeThrough: 1 << 3, cacheDisable: 1 << 4,
            leafBits: 1 << 7, frameShift: 12, frameBits: frameBits, reserved: reservedBits,
            permissionsAtEveryLevel: true, accessedAtEveryLevel: true)
        if protectionKeys && wide { layout.protectionKeyShift = 59 }
        return layout
    }

    /// RISC-V layout: `ppnBits` = 22 for Sv32 (4-byte entries), 44 for Sv39/48/57.
    public static func riscv(ppnBits: Int) -> PTELayout {
        let reservedBits: UInt64 = ppnBits == 44 ? ~lowMask(54) : 0
        return PTELayout(
            present: 1 << 0, readable: 1 << 1, writable: 1 << 2, executable: 1 << 3, user: 1 << 4,
            accessed: 1 << 6, dirty: 1 << 7, global: 1 << 5, huge: 0,
            noExecute: 0, writeThrough: 0, cacheDisable: 0,
            leafBits: 0b1110, frameShift: 10, frameBits: ppnBits, reserved: reservedBits,
            permissionsAtEveryLevel: false, accessedAtEveryLevel: false)
    }

    /// The textbook layout of `custom` modes, valid bit on top and the PFN at the bottom:
    /// ```
    /// 1-byte PTE (OSTEP style):   7: valid   6..0: PFN             (every page user RWX, no A/D:
    ///                             the writable/user/executable masks alias the valid bit)
    /// n-byte PTE (n ≥ 2), top bit t = 8n-1:
    ///   t: valid  t-1: writable  t-2: user  t-3: executable  t-4: accessed  t-5: dirty
    ///   t-6..0: PFN
    /// ```
    /// Only the last level holds leaves; permissions count at the leaf only.
    public static func textbook(pteBytes: Int) -> PTELayout {
        let top = pteBytes * 8 - 1
        func bit(_ n: Int) -> UInt64 { UInt64(1) << UInt64(n) }
        if pteBytes == 1 {
            return PTELayout(
                present: bit(7), readable: 0, writable: bit(7), executable: bit(7), user: bit(7), accessed: 0,
                dirty: 0, global: 0, huge: 0, noExecute: 0, writeThrough: 0, cacheDisable: 0,
                leafBits: 0, frameShift: 0, frameBits: 7, reserved: 0,
                permissionsAtEveryLevel: false, accessedAtEveryLevel: false)
        }
        return PTELayout(
            present: bit(top), readable: 0, writable: bit(top - 1), executable: bit(top - 3),
            user: bit(top - 2), accessed: bit(top - 4), dirty: bit(top - 5), global: 0, huge: 0,
            noExecute: 0, writeThrough: 0, cacheDisable: 0, leafBits: 0, frameShift: 0,
            frameBits: top - 5, reserved: 0,
            permissionsAtEveryLevel: false, accessedAtEveryLevel: false)
    }
}

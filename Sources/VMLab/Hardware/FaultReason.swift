/// Why a page walk failed, finer than the architecture's error code (for teaching).
public enum FaultReason: String, Sendable, Equatable {
    /// An entry on the path has P/V clear.
    case notPresent = "not present"
    /// A write to a page that is not writable.
    case writeProtected = "write to a read-only page"
    /// A user-mode access to a supervisor page.
    case supervisorOnly = "user access to a supervisor page"
    /// An instruction fetch from a non-executable page (NX set / X clear).
    case executeDisabled = "instruction fetch from a non-executable page"
    /// A load from a page that is not readable (RISC-V R clear).
    case notReadable = "read from a non-readable page"
    /// A reserved bit is set in an entry.
    case reservedBit = "reserved bit set in an entry"
    /// A RISC-V superpage whose PPN is not aligned to its size.
    case misalignedSuperpage = "misaligned superpage"
    /// A RISC-V entry at the last level that is not a leaf (R = W = X = 0).
    case noLeaf = "no leaf at the last level"
    /// The virtual address is not canonical (x86 raises #GP, RISC-V an access fault).
    case nonCanonical = "non-canonical address"
    /// An entry points to a table beyond the end of physical memory.
    case tableOutsideMemory = "page table beyond physical memory"
    /// x86 PKU: the PKRU register denies this data access to pages of the entry's protection key.
    case protectionKey = "protection key denies the access"
    /// A software TLB refill handler found no translation (MIPS: it passed the miss on to the
    /// general exception handler as a page fault).
    case refillRefused = "no translation (TLB refill handler)"
}

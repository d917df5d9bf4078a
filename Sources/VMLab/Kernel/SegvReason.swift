/// Why an access from a process is invalid: the reason a SIGSEGV carries.
public enum SegvReason: String, Sendable, Equatable, CaseIterable {
    /// No VMA covers the address.
    case unmapped = "unmapped address"
    /// A write to a VMA without write permission.
    case writeReadOnly = "write to a read-only page"
    /// An instruction fetch from a VMA without execute permission (NX).
    case executeNX = "instruction fetch from a non-executable page (NX)"
    /// A read from a VMA without read permission.
    case readNoAccess = "read from a non-readable page"
    /// A user-mode access to the kernel half of the address space (U/S = 0).
    case kernelAddress = "user access to a kernel address"
    /// An access to the guard page below a stack (or to a `guard` mapping).
    case guardPage = "guard page"
    /// An access to memory that is reserved (PROT_NONE, or Windows-style `reserve`) but not committed.
    case reservedNotCommitted = "reserved, not committed"
    /// A non-canonical address.
    case nonCanonical = "non-canonical address"
    /// The fault handler (e.g. one written in Lua) did not make the access possible, or killed the process.
    case handlerFailed = "fault not resolved by the fault handler"
    /// No memory for the page the fault needs (Linux would invoke the OOM killer; the process gets SIGBUS/SIGKILL).
    case outOfMemory = "out of memory while handling the fault"
    /// The page is in swap but no swap-in mechanism is installed.
    case noSwap = "page is swapped out but no swap device handles it"
}

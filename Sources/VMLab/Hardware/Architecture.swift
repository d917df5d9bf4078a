/// The family of a paging mode: decides the PTE bit layout, how permissions combine across
/// levels, and how faults are reported (x86 error code or RISC-V exception cause).
public enum Architecture: String, Sendable, Equatable {
    /// Intel/AMD: P, R/W, U/S, PWT, PCD, A, D, PS, G, NX; permissions are ANDed over all levels.
    case x86
    /// RISC-V Sv32/39/48/57: V, R, W, X, U, G, A, D; only the leaf carries permissions.
    case riscv
    /// The textbook format of `custom` modes (see `PTELayout.textbook`).
    case textbook
}

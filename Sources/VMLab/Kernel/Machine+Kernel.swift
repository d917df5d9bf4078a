extension Machine {
    /// The kernel of this machine, created on first use (it allocates the kernel-image frame;
    /// throws `outOfMemory` when there is none).
    public var kernel: Kernel {
        get throws(VMError) {
            if let existing = kernelStorage { return existing }
            if let hashed = hashedPageTable {
                throw .invalidConfiguration(what: "processes", reason: "the kernel keeps swap entries and PROT_NONE pages in "
                    + "non-present PTEs and walks radix tables level by level; a machine with a\(hashed.kind == .inverted ? "n" : "") "
                    + "\(hashed.kind.rawValue) page table runs address spaces only (m:address_space)")
            }
            let made = try Kernel(machine: self)
            kernelStorage = made
            return made
        }
    }

    /// The kernel if something already made it, else nil (reading it has no side effect).
    public var existingKernel: Kernel? { kernelStorage }
}

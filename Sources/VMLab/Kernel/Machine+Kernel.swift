extension Machine {
    /// The kernel of this machine, created on first use (it allocates the kernel-image frame;
    /// throws `outOfMemory` when there is none).
    public var kernel: Kernel {
        get throws(VMError) {
            if let existing = kernelStorage { return existing }
            let made = try Kernel(machine: self)
            kernelStorage = made
            return made
        }
    }

    /// The kernel if something already made it, else nil (reading it has no side effect).
    public var existingKernel: Kernel? { kernelStorage }
}

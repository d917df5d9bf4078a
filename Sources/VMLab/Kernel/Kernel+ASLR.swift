/// ASLR and KASLR: per-process random bases drawn from the machine's seed (same seed, same
/// layouts), and a random slot for the kernel image shared by every process.
extension Kernel {
    /// Turns ASLR on with `configuration` (nil: off, the fixed layout). Only before the first
    /// process (EPERM after); EINVAL when a field is negative or larger than the mode allows
    /// (`ASLRConfiguration.problem(for:)`). Draws the kernel image's slot (KASLR) at once.
    public func configureASLR(_ configuration: ASLRConfiguration?) throws(KernelError) {
        guard nextPID == 1 else {
            throw .fail(.EPERM, "aslr", "the layout can only be configured before the first process")
        }
        if let configuration, let problem = configuration.problem(for: mode) {
            throw .fail(.EINVAL, "aslr", problem)
        }
        aslr = configuration
        layoutRNG = SeededGenerator(seed: machine.seed ^ 0x5A5A_A51A_C0DE_0001)
        kernelImageBase = kernelBase
        if let configuration, kernelFrame != nil, configuration.kernel > 0 {
            let slot = layoutRNG.next(below: UInt64(1) << UInt64(configuration.kernel))
            kernelImageBase = kernelBase + slot * ASLRConfiguration.kernelSlotBytes(for: mode)
        }
    }

    /// The layout of a new address space (spawn, exec): fixed without ASLR, else drawn from
    /// the kernel's layout generator (see `AddressSpaceLayout` for the picture).
    func newLayout() -> AddressSpaceLayout {
        let codeLow = max(pageBytes, (userTop / 8) & ~(pageBytes - 1))
        guard let aslr else {
            return AddressSpaceLayout(mmapBase: userTop, stackTop: userTop, brkStart: defaultBrkStart, codeBase: codeLow,
                                      kernelBase: kernelImageBase,
                                      entropy: ASLRConfiguration(stack: 0, mmap: 0, brk: 0, code: 0, kernel: 0))
        }
        func randomPages(_ bits: Int) -> UInt64 {
            bits == 0 ? 0 : layoutRNG.next(below: UInt64(1) << UInt64(bits)) * pageBytes
        }
        let stackTop = userTop - randomPages(aslr.stack)
        let gap = min(128 << 20, (userTop / 16) & ~(pageBytes - 1))
        let mmapBase = stackTop - gap - randomPages(aslr.mmap)
        let brkStart = defaultBrkStart + randomPages(aslr.brk)
        let codeBase = codeLow + randomPages(aslr.code)
        var entropy = aslr
        if kernelFrame == nil { entropy.kernel = 0 }
        return AddressSpaceLayout(mmapBase: mmapBase, stackTop: stackTop, brkStart: brkStart, codeBase: codeBase,
                                  kernelBase: kernelImageBase, entropy: entropy)
    }
}

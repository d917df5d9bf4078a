/// Where a process's areas start: the bases ASLR randomizes (`Kernel.configureASLR`). Without
/// ASLR every process gets the same fixed layout: stack and mmap areas placed top-down from
/// the top of user space, the heap a quarter of the way up, code an eighth of the way up.
///
/// With ASLR (each base moves by a random number of pages below 2^bits):
///
///     userTop ─ stackTop            (userTop − random stack pages)
///               stack gap           (min(128 MiB, userTop / 16): room for stacks)
///               mmapBase            (stackTop − gap − random mmap pages)
///               …                   (mmap areas grow down from mmapBase)
///               brkStart            (userTop / 4 + random brk pages)
///               codeBase            (userTop / 8 + random code pages)
///     page 0    never mapped
///
/// Each random range is at most an eighth of user space, so the bases never cross.
public struct AddressSpaceLayout: Equatable, Sendable {
    /// Where top-down placement of mmap areas begins (areas end at or below it while room is left).
    public var mmapBase: UInt64
    /// Where top-down placement of `stack` mappings begins (one past the highest stack byte).
    public var stackTop: UInt64
    /// The initial program break (start of the heap).
    public var brkStart: UInt64
    /// Where a loader would put the program text (the kernel has no program image: it is reported only).
    public var codeBase: UInt64
    /// Where the kernel image page is mapped (KASLR moves it; the same for every process).
    public var kernelBase: UInt64
    /// The bits of randomness actually used (all 0 without ASLR).
    public var entropy: ASLRConfiguration

    /// A layout with these bases.
    public init(mmapBase: UInt64, stackTop: UInt64, brkStart: UInt64, codeBase: UInt64, kernelBase: UInt64,
                entropy: ASLRConfiguration) {
        self.mmapBase = mmapBase; self.stackTop = stackTop; self.brkStart = brkStart
        self.codeBase = codeBase; self.kernelBase = kernelBase; self.entropy = entropy
    }
}

/// What a replacement fault handler (`Kernel.faultHook`) is given: the process, the hardware
/// fault, the VMA covering the address (if any) and the raw leaf PTE (0 when none).
public struct FaultContext {
    /// The faulting process.
    public let process: Process
    /// The fault as the MMU reported it (va, access, reason, error code).
    public let fault: PageFault
    /// The VMA containing the address, or nil.
    public let vma: VMA?
    /// The raw leaf PTE for the page (0 when none, or when no table reaches it).
    public let pte: UInt64
}

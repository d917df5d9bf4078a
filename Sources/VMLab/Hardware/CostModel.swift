/// Cycle costs of memory-system events. Every field is configurable; the defaults are round
/// figures for a ~3 GHz core, from the usual textbook and measurement sources:
/// - `memoryReference` 100: one DRAM access by the page walker (≈ 60–100 ns loaded latency;
///   walks that hit the data caches are cheaper, which the model does not distinguish).
/// - `tlbHit` [1, 7, 20]: L1 dTLB ≈ 1 cycle (in the load pipeline), L2 STLB ≈ 7 cycles
///   (Intel optimization manual), a third level ≈ 20.
/// - `pageWalkCacheHit` 2: a paging-structure cache hit skips a memory reference.
/// - `minorFault` 3_000: ≈ 1 µs for a kernel fault that needs no I/O (trap, handler, return).
/// - `majorFault` 30_000_000: ≈ 10 ms, a swap read from a disk; an NVMe SSD is ≈ 100 µs (300_000).
/// - `swapWrite` 30_000_000: writing one page to swap on the same disk.
/// - `zeroFill` 1_000: clearing a 4 KiB page (≈ 0.3 µs at memory bandwidth).
/// - `pageCopy` 2_000: copying a 4 KiB page (COW break).
/// - `interProcessorInterrupt` 3_000: sending an IPI and waiting for the ack (≈ 1 µs).
/// - `contextSwitch` 6_000: ≈ 2 µs direct cost of a switch (without cache/TLB refill).
/// - `kptiSwitch` 200: the CR3 write of a KPTI kernel entry or exit (≈ 70 ns), before any refill.
/// - `tlbRefill` 30: a software TLB refill exception (MIPS: trap, a dozen handler instructions,
///   `eret`), not counting the handler's memory references.
public struct CostModel: Sendable, Equatable {
    /// Cycles per memory reference made by the page walker.
    public var memoryReference = 100
    /// Cycles of a hit in each TLB level (index 0 = L1).
    public var tlbHit = [1, 7, 20]
    /// Cycles of a page-walk-cache hit.
    public var pageWalkCacheHit = 2
    /// Cycles of a minor fault (no I/O).
    public var minorFault = 3_000
    /// Cycles of a major fault (page read from swap or file).
    public var majorFault = 30_000_000
    /// Cycles of writing one page to swap.
    public var swapWrite = 30_000_000
    /// Cycles of zero-filling a page.
    public var zeroFill = 1_000
    /// Cycles of copying a page.
    public var pageCopy = 2_000
    /// Cycles of one inter-processor interrupt (TLB shootdown).
    public var interProcessorInterrupt = 3_000
    /// Cycles of a context switch.
    public var contextSwitch = 6_000
    /// Cycles of one KPTI root switch (kernel entry or exit).
    public var kptiSwitch = 200
    /// Cycles of a software TLB refill exception, besides the handler's memory references.
    public var tlbRefill = 30

    /// The default costs listed above.
    public init() {}
}

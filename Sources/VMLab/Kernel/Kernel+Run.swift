/// Trace replay from a process (`m:run(p, trace)` in Lua).
extension Kernel {
    /// Replays `accesses` as process `p` makes them: each goes through the kernel CPU's MMU and
    /// every fault is handled as for any access of `p` (demand zero, COW, stack growth…). With
    /// `mapMissing`, an access to an address that no VMA covers first maps the page around it
    /// (private anonymous, read/write/execute), so that a trace recorded from another program —
    /// whose memory this process does not have — runs in a fresh process; without it such an
    /// access is SIGSEGV as usual. Stops at the first SIGSEGV (thrown).
    public func run(_ p: Process, _ accesses: UnsafeBufferPointer<Access>, mapMissing: Bool) throws(KernelError) -> ProcessRunSummary {
        try checkAlive(p, "run")
        var summary = ProcessRunSummary()
        let before = p.counters
        let pageMask = ~(pageBytes - 1)
        let cpu = self.cpu
        do { try cpu.switchTo(p.space) } catch { throw .from(error, in: "context switch") }
        for access in accesses {
            let va = access.address
            if mapMissing && p.vma(containing: va) == nil && va < userTop && va >= pageBytes {
                var request = MmapRequest(length: pageBytes, protection: Protection(read: true, write: true, execute: true))
                request.address = va & pageMask
                request.fixed = true
                _ = try mmap(p, request)
                summary.mappedPages += 1
                do { try cpu.switchTo(p.space) } catch { throw .from(error, in: "context switch") }   // an mmap handler may run another process
            }
            _ = try translate(p, va, access.kind, privilege: .user, on: cpu)
            summary.accesses += 1
        }
        summary.minorFaults = p.counters.minorFaults - before.minorFaults
        summary.majorFaults = p.counters.majorFaults - before.majorFaults
        return summary
    }
}

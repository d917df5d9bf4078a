/// Working-set size and page-fault frequency per process (Denning), for seeing thrashing.
/// Both need reclaim (`enableSwap` or `setPolicy`): it keeps the access times they read.
extension Kernel {
    /// The working set window `workingSetSize` uses by default, in accesses.
    public static let defaultWorkingSetWindow: UInt64 = 10_000

    /// W(t, τ): the pages of `p` accessed in the machine's last `tau` accesses — resident pages
    /// whose frame was accessed since, and swapped-out pages whose last access before eviction
    /// was (a page shared after fork counts for every process that maps it). Nil without reclaim.
    /// τ counts accesses of every process (the machine's virtual clock).
    public func workingSetSize(_ p: Process, tau: UInt64) -> Int? {
        guard let r = reclaimer, p.isAlive else { return nil }
        let now = r.frames.now
        let since = now > tau ? now - tau + 1 : 1
        var pages = 0
        for v in p.vmas {
            try? forEachEntry(p.space, v.start, v.end) { (_, _, raw, tables) throws(KernelError) in
                if isPresent(raw) {
                    let frame = Int(entryFrame(p.space, raw))
                    if frame < r.lastUse.count && r.lastUse[frame] >= since {
                        pages += Int(p.space.pageBytes(level: tables.count - 1) / pageBytes)
                    }
                } else if let slot = swapSlot(raw), let swap, slot < UInt64(swap.slotCount), swap.lastUse[Int(slot)] >= since {
                    pages += 1
                }
            }
        }
        return pages
    }

    /// Page-fault frequency: faults of `p` (minor and major) per access over its own last
    /// `window` accesses (at most the last 4,096 faults are remembered). Nil without reclaim.
    public func faultFrequency(_ p: Process, window: Int) -> Double? {
        guard reclaimer != nil, window > 0 else { return nil }
        let span = min(window, p.counters.accesses)
        guard span > 0 else { return 0 }
        let faults = p.faultLog.count(since: p.counters.accesses - span + 1)
        return Double(faults) / Double(span)
    }
}

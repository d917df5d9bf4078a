/// Working set (τ): evicts a page that has left the working set — not referenced within the
/// last τ accesses of virtual time — as in Tanenbaum's WS page-replacement algorithm.
///
/// Each frame has a time of last use, set to the load time when loaded. Rule, on a fault:
/// scan every slot from 0 upwards (skipping pinned ones): R = 1 → last use = now, clear R;
/// R = 0 and age (now − last use) > τ → the first such page is the victim (the scan goes on,
/// updating the rest). If no page is older than τ, the victim is the R = 0 page with the
/// oldest last use (ties: lowest slot); if every page had R = 1, the lowest clean slot, else
/// the lowest slot. Sees faults only (R bits set by "hardware").
public final class WorkingSetPolicy: ReplacementPolicy {
    public let name = "ws"
    /// The window τ in accesses.
    public let tau: UInt64
    private let frames: FrameTable
    private var lastUse: [UInt64]

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> WorkingSetPolicy {
        let made = WorkingSetPolicy(frames: frames, tau: tau)
        made.lastUse = lastUse
        return made
    }

    /// A working-set policy over `frames` with window `tau`.
    public init(frames: FrameTable, tau: UInt64) {
        self.frames = frames
        self.tau = tau
        lastUse = Array(repeating: 0, count: frames.capacity)
    }

    public func inserted(slot: Int) { lastUse[slot] = frames.now }

    public func victim(for incoming: UInt64) throws -> Int {
        let now = frames.now
        var expired = -1, oldest = -1, firstClean = -1, first = -1
        for slot in 0..<frames.capacity where frames.isResident(slot) && !frames.pinned(slot) {
            if first < 0 { first = slot }
            if firstClean < 0 && !frames.dirty(slot) { firstClean = slot }
            if frames.referenced(slot) {
                lastUse[slot] = now
                frames.clearReferenced(slot)
            } else if now &- lastUse[slot] > tau {
                if expired < 0 { expired = slot }
            } else if oldest < 0 || lastUse[slot] < lastUse[oldest] {
                oldest = slot
            }
        }
        if expired >= 0 { return expired }
        if oldest >= 0 { return oldest }
        if firstClean >= 0 { return firstClean }
        guard first >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return first
    }
}

/// WSClock: the working-set rule applied by a clock hand (Carr & Hennessy), with write-back
/// of dirty old pages.
///
/// Each frame has a time of last use (its load time at first). The hand starts at slot 0.
/// Rule, from the hand, for at most two laps (pinned frames skipped):
/// R = 1 → last use = now, clear R, advance; R = 0 and age (now − last use) > τ: clean → the
/// victim (the hand stops one past it), dirty → its write-back is started (D cleared, counted
/// as a write-back) and the hand advances; otherwise advance. If two laps find nothing, the
/// victim is the first clean frame from the hand, else the frame under the hand (first
/// unpinned). Sees faults only.
public final class WSClockPolicy: ReplacementPolicy, ClockHand {
    public let name = "wsclock"
    /// The window τ in accesses.
    public let tau: UInt64
    private let frames: FrameTable
    private var lastUse: [UInt64]
    /// The slot the hand points at.
    public private(set) var hand = 0

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> WSClockPolicy {
        let made = WSClockPolicy(frames: frames, tau: tau)
        made.lastUse = lastUse
        made.hand = hand
        return made
    }

    /// A WSClock over `frames` with window `tau`, hand at slot 0.
    public init(frames: FrameTable, tau: UInt64) {
        self.frames = frames
        self.tau = tau
        lastUse = Array(repeating: 0, count: frames.capacity)
    }

    public func inserted(slot: Int) { lastUse[slot] = frames.now }

    private func advance() { hand = hand + 1 == frames.capacity ? 0 : hand + 1 }

    public func victim(for incoming: UInt64) throws -> Int {
        let n = frames.capacity
        let now = frames.now
        for _ in 0..<(2 * n) {
            let slot = hand
            advance()
            if !frames.isResident(slot) || frames.pinned(slot) { continue }
            if frames.referenced(slot) {
                lastUse[slot] = now
                frames.clearReferenced(slot)
            } else if now &- lastUse[slot] > tau {
                if !frames.dirty(slot) { return slot }
                frames.clearDirty(slot)
            }
        }
        var fallback = -1
        for step in 0..<n {
            let slot = (hand + step) % n
            if !frames.isResident(slot) || frames.pinned(slot) { continue }
            if !frames.dirty(slot) { fallback = slot; break }
            if fallback < 0 { fallback = slot }
        }
        guard fallback >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        hand = fallback + 1 == n ? 0 : fallback + 1
        return fallback
    }
}

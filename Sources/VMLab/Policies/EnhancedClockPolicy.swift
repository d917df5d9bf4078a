/// Enhanced clock / NRU: a clock that prefers pages that are neither referenced nor dirty,
/// using the (R, M) classes 0 = (0,0) < 1 = (0,1) < 2 = (1,0) < 3 = (1,1).
///
/// Rule: the hand starts at slot 0 and stays where the last victim was found + 1. To find a
/// victim, from the hand: lap 1 looks for (R=0, M=0) changing nothing; lap 2 looks for
/// (R=0, M=1) and clears R of every frame it passes; if both fail, laps 1 and 2 repeat (now
/// every R is 0, so a victim is found unless all frames are pinned). The hand stops one past
/// the victim. A dirty victim is written back. Sees faults only.
public final class EnhancedClockPolicy: ReplacementPolicy, ClockHand {
    public let name = "nru"
    private let frames: FrameTable
    /// The slot the hand points at.
    public private(set) var hand = 0

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> EnhancedClockPolicy {
        let made = EnhancedClockPolicy(frames: frames)
        made.hand = hand
        return made
    }

    /// An enhanced clock over `frames`, hand at slot 0.
    public init(frames: FrameTable) { self.frames = frames }

    public func inserted(slot: Int) {}

    public func victim(for incoming: UInt64) throws -> Int {
        let n = frames.capacity
        for round in 0..<4 {
            let wantDirty = round % 2 == 1
            for step in 0..<n {
                var slot = hand + step
                if slot >= n { slot -= n }
                if !frames.isResident(slot) || frames.pinned(slot) { continue }
                if !frames.referenced(slot) && frames.dirty(slot) == wantDirty {
                    hand = slot + 1 == n ? 0 : slot + 1
                    return slot
                }
                if wantDirty { frames.clearReferenced(slot) }
            }
        }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

/// SIEVE (Zhang et al., NSDI 2024): a FIFO queue with a "visited" bit and a hand that moves
/// from old to new, keeping visited pages in place.
///
/// The visited bit is the frame's R bit, except that a newly loaded page starts unvisited
/// (its faulting access does not count: the policy clears R on insertion). New pages enter at
/// the head of the queue. The hand starts at the tail (the oldest page). Rule: at the hand,
/// R = 1 (or pinned) → clear R and move the hand one page towards the head (wrapping to the
/// tail); R = 0 → the victim; the hand then rests on the page that was next towards the head
/// (the tail if there was none). Sees faults only.
public final class SIEVEPolicy: ReplacementPolicy, ClockHand {
    public let name = "sieve"
    private let frames: FrameTable
    private let queue: SlotList
    /// The slot the hand points at (-1: the tail, before the first eviction).
    public private(set) var hand = -1

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> SIEVEPolicy {
        let made = SIEVEPolicy(frames: frames)
        made.hand = hand
        made.queue.copyContents(of: queue)
        return made
    }

    /// SIEVE over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        queue = SlotList(capacity: frames.capacity)
    }

    public func inserted(slot: Int) {
        queue.pushFront(slot)
        frames.clearReferenced(slot)
    }

    public func removed(slot: Int) {
        if hand == slot { hand = queue.newer(slot) }
        queue.remove(slot)
    }

    public func victim(for incoming: UInt64) throws -> Int {
        var slot = hand >= 0 ? hand : queue.back
        for _ in 0...(2 * queue.count) {
            guard slot >= 0 else { break }
            if frames.pinned(slot) || frames.referenced(slot) {
                frames.clearReferenced(slot)
            } else {
                hand = queue.newer(slot)
                return slot
            }
            slot = queue.newer(slot)
            if slot < 0 { slot = queue.back }
        }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

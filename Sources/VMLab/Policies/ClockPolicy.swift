/// Clock (second chance): one hand sweeps the frames in slot order, giving each referenced
/// page a second chance.
///
/// Rule: the hand starts at slot 0. Free frames are filled lowest slot first and do not move
/// the hand; a loaded page starts with R = 1 (its faulting access set it). To find a victim:
/// look at the frame under the hand — pinned: skip it; R = 1: clear R and advance; R = 0: it
/// is the victim, and the hand advances one past it (the new page is loaded behind the hand).
/// The hand wraps from the last slot to 0. Sees faults only (R bits set by "hardware").
public final class ClockPolicy: ReplacementPolicy, ClockHand {
    public let name = "clock"
    private let frames: FrameTable
    /// The slot the hand points at.
    public private(set) var hand = 0

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> ClockPolicy {
        let made = ClockPolicy(frames: frames)
        made.hand = hand
        return made
    }

    /// A clock over `frames`, hand at slot 0.
    public init(frames: FrameTable) { self.frames = frames }

    public func inserted(slot: Int) {}

    public func victim(for incoming: UInt64) throws -> Int {
        let n = frames.capacity
        for _ in 0...(2 * n) {
            let slot = hand
            hand = hand + 1 == n ? 0 : hand + 1
            if !frames.isResident(slot) || frames.pinned(slot) { continue }
            if frames.referenced(slot) {
                frames.clearReferenced(slot)
            } else {
                return slot
            }
        }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

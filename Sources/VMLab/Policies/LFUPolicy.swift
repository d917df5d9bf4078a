/// LFU: evicts the page used least often since it was loaded.
///
/// Rule: a page's count is 1 when it is loaded and grows by 1 on every hit; it is forgotten
/// when the page leaves. The victim is the unpinned page with the smallest count; among equal
/// counts, the one loaded earliest; then the lowest slot. Needs every access. A victim costs
/// one scan of the frames.
public final class LFUPolicy: ReplacementPolicy {
    public let name = "lfu"
    public var needsEveryAccess: Bool { true }
    private let frames: FrameTable
    private var counts: [UInt64]

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> LFUPolicy {
        let made = LFUPolicy(frames: frames)
        made.counts = counts
        return made
    }

    /// An LFU policy over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        counts = Array(repeating: 0, count: frames.capacity)
    }

    public func inserted(slot: Int) { counts[slot] = 1 }

    public func accessed(slot: Int, isWrite: Bool) { counts[slot] &+= 1 }

    public func victim(for incoming: UInt64) throws -> Int {
        var best = -1
        for slot in 0..<frames.capacity where frames.isResident(slot) && !frames.pinned(slot) {
            if best < 0 || counts[slot] < counts[best]
                || (counts[slot] == counts[best] && frames.loadTime(slot) < frames.loadTime(best)) {
                best = slot
            }
        }
        guard best >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return best
    }
}

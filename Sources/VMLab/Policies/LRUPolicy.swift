/// LRU: evicts the page whose last access is the oldest.
///
/// Rule: exact recency — every access (fault or hit) moves the page to the front of a list;
/// the victim is the unpinned page nearest the back. Needs every access.
///
/// Belady's string 1,2,3,4,1,2,5,1,2,3,4,5 gives 10 faults with 3 frames and 8 with 4.
public final class LRUPolicy: ReplacementPolicy {
    public let name = "lru"
    public var needsEveryAccess: Bool { true }
    private let frames: FrameTable
    private let recency: SlotList

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> LRUPolicy {
        let made = LRUPolicy(frames: frames)
        made.recency.copyContents(of: recency)
        return made
    }

    /// An LRU policy over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        recency = SlotList(capacity: frames.capacity)
    }

    public func inserted(slot: Int) { recency.pushFront(slot) }

    @inline(__always) public func accessed(slot: Int, isWrite: Bool) { recency.moveToFront(slot) }

    public func removed(slot: Int) { recency.remove(slot) }

    public func victim(for incoming: UInt64) throws -> Int {
        let slot = recency.oldestUnpinned(frames)
        guard slot >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return slot
    }
}

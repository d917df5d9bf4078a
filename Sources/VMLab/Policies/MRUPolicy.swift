/// MRU: evicts the page used most recently (good for loops larger than memory).
///
/// Rule: exact recency as in LRU (every access moves the page to the front); the victim is
/// the unpinned page nearest the front, i.e. the page of the access just before the fault.
/// Needs every access.
public final class MRUPolicy: ReplacementPolicy {
    public let name = "mru"
    public var needsEveryAccess: Bool { true }
    private let frames: FrameTable
    private let recency: SlotList

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> MRUPolicy {
        let made = MRUPolicy(frames: frames)
        made.recency.copyContents(of: recency)
        return made
    }

    /// An MRU policy over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        recency = SlotList(capacity: frames.capacity)
    }

    public func inserted(slot: Int) { recency.pushFront(slot) }

    public func accessed(slot: Int, isWrite: Bool) { recency.moveToFront(slot) }

    public func removed(slot: Int) { recency.remove(slot) }

    public func victim(for incoming: UInt64) throws -> Int {
        let slot = recency.newestUnpinned(frames)
        guard slot >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return slot
    }
}

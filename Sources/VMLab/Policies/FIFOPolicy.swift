/// FIFO: evicts the page that was loaded longest ago.
///
/// Rule: pages queue in the order they were loaded; a hit changes nothing. The victim is the
/// oldest page in the queue that is not pinned. Sees faults only (no per-access calls).
///
/// Belady's string 1,2,3,4,1,2,5,1,2,3,4,5 gives 9 faults with 3 frames and 10 with 4
/// (Belady's anomaly).
public final class FIFOPolicy: ReplacementPolicy {
    public let name = "fifo"
    private let frames: FrameTable
    private let queue: SlotList

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> FIFOPolicy {
        let made = FIFOPolicy(frames: frames)
        made.queue.copyContents(of: queue)
        return made
    }

    /// A FIFO policy over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        queue = SlotList(capacity: frames.capacity)
    }

    public func inserted(slot: Int) { queue.pushFront(slot) }

    public func removed(slot: Int) { queue.remove(slot) }

    public func victim(for incoming: UInt64) throws -> Int {
        let slot = queue.oldestUnpinned(frames)
        guard slot >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return slot
    }
}

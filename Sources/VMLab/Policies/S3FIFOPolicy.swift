/// S3-FIFO (Yang et al., SOSP 2023): a small FIFO S for new pages, a main FIFO M, and a ghost
/// FIFO G of page ids evicted from S; each resident page has a 2-bit access count (0…3).
///
/// Rule: a fault on a page remembered in G puts it at the head of M (count 0); any other fault
/// puts it at the head of S (count 0). A hit adds 1 to the count (at most 3). Victim: if S
/// holds at least `small` pages (default max(1, frames / 10)) or M has no unpinned page, look at S's tail:
/// count > 1 → move it to M's head (count kept) and look again; else it is the victim and its
/// id enters G (G keeps the newest `frames − small` ids, at least 1). Otherwise look at M's
/// tail: count > 0 → count − 1 and move it to M's head; else it is the victim. Pinned pages
/// are passed over as if their count were positive. Needs every access.
public final class S3FIFOPolicy: ReplacementPolicy {
    public let name = "s3fifo"
    public var needsEveryAccess: Bool { true }
    /// Target size of S.
    public let small: Int
    private let frames: FrameTable
    private let s: SlotList
    private let m: SlotList
    private var ghost: GhostList
    private var counts: [UInt8]

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> S3FIFOPolicy {
        let made = S3FIFOPolicy(frames: frames, small: small)
        made.ghost = ghost
        made.counts = counts
        made.s.copyContents(of: s)
        made.m.copyContents(of: m)
        return made
    }

    /// S3-FIFO over `frames`; `small` nil for the default.
    public init(frames: FrameTable, small: Int? = nil) {
        self.frames = frames
        self.small = max(1, small ?? frames.capacity / 10)
        s = SlotList(capacity: frames.capacity)
        m = SlotList(capacity: frames.capacity)
        ghost = GhostList(limit: max(1, frames.capacity - self.small))
        counts = Array(repeating: 0, count: frames.capacity)
    }

    public func inserted(slot: Int) {
        counts[slot] = 0
        let page = frames.page(slot)
        if ghost.contains(page) {
            ghost.remove(page)
            m.pushFront(slot)
        } else {
            s.pushFront(slot)
        }
    }

    public func accessed(slot: Int, isWrite: Bool) {
        if counts[slot] < 3 { counts[slot] += 1 }
    }

    public func removed(slot: Int) {
        s.remove(slot)
        m.remove(slot)
    }

    public func victim(for incoming: UInt64) throws -> Int {
        // Each look either finds the victim or lowers a count or moves a page from S to M:
        // bounded by 4 × frames + frames looks.
        for _ in 0..<(5 * frames.capacity + 2) {
            if s.count >= small || m.oldestUnpinned(frames) < 0 {
                let slot = s.back
                if slot < 0 { break }
                if counts[slot] > 1 || frames.pinned(slot) {
                    s.remove(slot)
                    m.pushFront(slot)
                } else {
                    ghost.pushFront(frames.page(slot))
                    return slot
                }
            } else {
                let slot = m.back
                if slot < 0 { break }
                if counts[slot] > 0 || frames.pinned(slot) {
                    if counts[slot] > 0 { counts[slot] -= 1 }
                    m.moveToFront(slot)
                } else {
                    return slot
                }
            }
        }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

/// 2Q (Johnson & Shasha, 1994, the full version): a FIFO for pages seen once, an LRU for pages
/// seen again, and a ghost list that remembers pages recently evicted from the FIFO.
///
/// Queues: A1in (FIFO of resident pages, target size Kin), A1out (ghost FIFO of page ids,
/// at most Kout), Am (LRU of resident pages). Rule: a fault on a page remembered in A1out puts
/// it at the front of Am (and forgets the ghost); any other fault puts it at the front of
/// A1in. A hit in Am moves the page to Am's front; a hit in A1in changes nothing. Victim: if
/// A1in holds more than Kin pages (or Am has no unpinned page), the oldest unpinned page of
/// A1in, remembered at the front of A1out (dropping A1out's oldest beyond Kout); else the LRU
/// unpinned page of Am (not remembered). Defaults: Kin = max(1, frames / 4), Kout =
/// max(1, frames / 2). Needs every access.
public final class TwoQueuePolicy: ReplacementPolicy {
    public let name = "2q"
    public var needsEveryAccess: Bool { true }
    /// Target size of A1in.
    public let kin: Int
    /// Size of the ghost list A1out.
    public let kout: Int
    private let frames: FrameTable
    private let a1in: SlotList
    private let am: SlotList
    private var a1out: GhostList

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> TwoQueuePolicy {
        let made = TwoQueuePolicy(frames: frames, kin: kin, kout: kout)
        made.a1out = a1out
        made.a1in.copyContents(of: a1in)
        made.am.copyContents(of: am)
        return made
    }

    /// 2Q over `frames`; `kin`/`kout` nil for the defaults.
    public init(frames: FrameTable, kin: Int? = nil, kout: Int? = nil) {
        self.frames = frames
        self.kin = max(1, kin ?? frames.capacity / 4)
        self.kout = max(1, kout ?? frames.capacity / 2)
        a1in = SlotList(capacity: frames.capacity)
        am = SlotList(capacity: frames.capacity)
        a1out = GhostList(limit: self.kout)
    }

    public func inserted(slot: Int) {
        let page = frames.page(slot)
        if a1out.contains(page) {
            a1out.remove(page)
            am.pushFront(slot)
        } else {
            a1in.pushFront(slot)
        }
    }

    public func accessed(slot: Int, isWrite: Bool) {
        if am.contains(slot) { am.moveToFront(slot) }
    }

    public func removed(slot: Int) {
        a1in.remove(slot)
        am.remove(slot)
    }

    public func victim(for incoming: UInt64) throws -> Int {
        let fromAm = am.oldestUnpinned(frames)
        if a1in.count > kin || fromAm < 0 {
            let slot = a1in.oldestUnpinned(frames)
            if slot >= 0 {
                a1out.pushFront(frames.page(slot))
                return slot
            }
        }
        guard fromAm >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return fromAm
    }
}

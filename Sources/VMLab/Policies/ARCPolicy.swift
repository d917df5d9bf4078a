/// ARC, Adaptive Replacement Cache (Megiddo & Modha, 2003): two LRU lists of resident pages —
/// T1 (seen once recently) and T2 (seen at least twice) — and their ghost lists B1, B2, with
/// a target size p for T1 that adapts to the workload.
///
/// Rule, for c frames, on a fault for page x (the paper's cases, p an integer):
/// - x in B1: p = min(c, p + max(1, |B2| / |B1|)); REPLACE; x goes to the front of T2.
/// - x in B2: p = max(0, p − max(1, |B1| / |B2|)); REPLACE; x goes to the front of T2.
/// - otherwise, if |T1| + |B1| = c: if |T1| < c, drop B1's oldest and REPLACE, else evict
///   T1's LRU page (not remembered); if |T1| + |B1| < c and |T1|+|T2|+|B1|+|B2| ≥ c: drop B2's
///   oldest when the total is 2c, and REPLACE. x goes to the front of T1.
/// REPLACE (only when every frame is in use): if T1 is not empty and (|T1| > p, or x in B2
/// and |T1| = p), evict T1's LRU page into the front of B1; else T2's LRU page into B2.
/// A hit moves the page to the front of T2. Pinned pages are skipped (the next page of the
/// same list, then the other list). Needs every access. Divisions round down.
public final class ARCPolicy: ReplacementPolicy {
    public let name = "arc"
    public var needsEveryAccess: Bool { true }
    private let frames: FrameTable
    private let c: Int
    /// The target size of T1.
    public private(set) var p = 0
    private let t1: SlotList
    private let t2: SlotList
    private var b1: GhostList
    private var b2: GhostList
    private var replacedFor: UInt64?

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> ARCPolicy {
        let made = ARCPolicy(frames: frames)
        made.p = p
        made.b1 = b1
        made.b2 = b2
        made.replacedFor = replacedFor
        made.t1.copyContents(of: t1)
        made.t2.copyContents(of: t2)
        return made
    }

    /// ARC over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        c = frames.capacity
        t1 = SlotList(capacity: c)
        t2 = SlotList(capacity: c)
        b1 = GhostList(limit: c)
        b2 = GhostList(limit: 2 * c)
    }

    /// Adapts p and trims the ghost lists for a miss on `x` (the paper's cases II–IV).
    /// Returns the slot to evict when `full`, else -1.
    private func miss(_ x: UInt64, full: Bool) throws -> Int {
        if b1.contains(x) {
            p = min(c, p + max(1, b2.count / max(1, b1.count)))
            return full ? try replace(x) : -1
        }
        if b2.contains(x) {
            p = max(0, p - max(1, b1.count / max(1, b2.count)))
            return full ? try replace(x) : -1
        }
        if t1.count + b1.count >= c {
            if t1.count < c {
                b1.removeOldest()
                return full ? try replace(x) : -1
            }
            let slot = t1.oldestUnpinned(frames)
            if full && slot >= 0 { return slot }
            return full ? try replace(x) : -1
        }
        if t1.count + t2.count + b1.count + b2.count >= c {
            if t1.count + t2.count + b1.count + b2.count >= 2 * c { b2.removeOldest() }
            return full ? try replace(x) : -1
        }
        return full ? try replace(x) : -1
    }

    private func replace(_ x: UInt64) throws -> Int {
        let preferT1 = t1.count >= 1 && (t1.count > p || (b2.contains(x) && t1.count == p))
        let fromT1 = t1.oldestUnpinned(frames)
        let fromT2 = t2.oldestUnpinned(frames)
        if (preferT1 || fromT2 < 0) && fromT1 >= 0 {
            b1.pushFront(frames.page(fromT1))
            return fromT1
        }
        guard fromT2 >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        b2.pushFront(frames.page(fromT2))
        return fromT2
    }

    public func victim(for incoming: UInt64) throws -> Int {
        replacedFor = incoming
        return try miss(incoming, full: true)
    }

    public func inserted(slot: Int) throws {
        let x = frames.page(slot)
        if replacedFor != x { _ = try miss(x, full: false) }
        replacedFor = nil
        if b1.contains(x) || b2.contains(x) {
            b1.remove(x)
            b2.remove(x)
            t2.pushFront(slot)
        } else {
            t1.pushFront(slot)
        }
    }

    public func accessed(slot: Int, isWrite: Bool) {
        t1.remove(slot)
        t2.moveToFront(slot)
    }

    public func removed(slot: Int) {
        t1.remove(slot)
        t2.remove(slot)
    }
}

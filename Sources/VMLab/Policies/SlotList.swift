/// A doubly linked list of frame slots in flat buffers (no allocation after `init`, no
/// copy-on-write checks on the hot path), the recency/arrival order behind FIFO, LRU, MRU, 2Q,
/// ARC, SIEVE and S3-FIFO. Front = newest, back = oldest. A `final class`, so a policy holds
/// it in a `let` and every update is a plain store.
public final class SlotList {
    private let prev: UnsafeMutablePointer<Int32>
    private let next: UnsafeMutablePointer<Int32>
    private let member: UnsafeMutablePointer<Bool>
    // front, back, count: in a buffer rather than stored `var`s, so that updating them needs
    // no run-time exclusivity check.
    private let ends: UnsafeMutablePointer<Int>
    /// Number of slots the buffers hold.
    private let slots: Int

    /// The newest slot, or -1.
    public private(set) var front: Int {
        @inline(__always) get { ends[0] }
        @inline(__always) set { ends[0] = newValue }
    }
    /// The oldest slot, or -1.
    public private(set) var back: Int {
        @inline(__always) get { ends[1] }
        @inline(__always) set { ends[1] = newValue }
    }
    /// Number of slots in the list.
    public private(set) var count: Int {
        @inline(__always) get { ends[2] }
        @inline(__always) set { ends[2] = newValue }
    }

    /// An empty list for slots `0..<capacity`.
    public init(capacity: Int) {
        let n = max(1, capacity)
        slots = n
        prev = .allocate(capacity: n)
        prev.initialize(repeating: -1, count: n)
        next = .allocate(capacity: n)
        next.initialize(repeating: -1, count: n)
        member = .allocate(capacity: n)
        member.initialize(repeating: false, count: n)
        ends = .allocate(capacity: 3)
        ends.initialize(from: [-1, -1, 0], count: 3)
    }

    deinit {
        prev.deallocate()
        next.deallocate()
        member.deallocate()
        ends.deallocate()
    }

    /// Makes this list a copy of `other` (a list over the same number of slots), for snapshots.
    func copyContents(of other: SlotList) {
        precondition(other.slots == slots, "a slot list is copied only from a list of the same size")
        let n = slots
        prev.update(from: other.prev, count: n)
        next.update(from: other.next, count: n)
        member.update(from: other.member, count: n)
        ends.update(from: other.ends, count: 3)
    }

    /// Whether `slot` is in the list.
    @inline(__always) public func contains(_ slot: Int) -> Bool { member[slot] }
    /// The slot after `slot` towards the back, or -1.
    @inline(__always) public func older(_ slot: Int) -> Int { Int(next[slot]) }
    /// The slot before `slot` towards the front, or -1.
    @inline(__always) public func newer(_ slot: Int) -> Int { Int(prev[slot]) }

    /// Puts `slot` (not in the list) at the front.
    @inline(__always) public func pushFront(_ slot: Int) {
        prev[slot] = -1
        next[slot] = Int32(truncatingIfNeeded: front)
        if front >= 0 { prev[front] = Int32(truncatingIfNeeded: slot) } else { back = slot }
        front = slot
        member[slot] = true
        count += 1
    }

    /// Takes `slot` out of the list (nothing if it is not in it).
    @inline(__always) public func remove(_ slot: Int) {
        guard member[slot] else { return }
        let p = Int(prev[slot]), n = Int(next[slot])
        if p >= 0 { next[p] = Int32(truncatingIfNeeded: n) } else { front = n }
        if n >= 0 { prev[n] = Int32(truncatingIfNeeded: p) } else { back = p }
        member[slot] = false
        count -= 1
    }

    /// Moves `slot` to the front (it is added if it was not in the list).
    @inline(__always) public func moveToFront(_ slot: Int) {
        if front == slot { return }
        remove(slot)
        pushFront(slot)
    }

    /// The oldest slot that is not pinned, or -1.
    public func oldestUnpinned(_ frames: FrameTable) -> Int {
        var s = back
        while s >= 0 && frames.pinned(s) { s = Int(prev[s]) }
        return s
    }

    /// The newest slot that is not pinned, or -1.
    public func newestUnpinned(_ frames: FrameTable) -> Int {
        var s = front
        while s >= 0 && frames.pinned(s) { s = Int(next[s]) }
        return s
    }
}

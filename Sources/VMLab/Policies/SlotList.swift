/// A doubly linked list of frame slots in flat arrays (no allocation after `init`), the
/// recency/arrival order behind FIFO, LRU, MRU, 2Q and ARC. Front = newest, back = oldest.
public struct SlotList {
    private var prev: [Int32]
    private var next: [Int32]
    private var member: [Bool]
    /// The newest slot, or -1.
    public private(set) var front: Int = -1
    /// The oldest slot, or -1.
    public private(set) var back: Int = -1
    /// Number of slots in the list.
    public private(set) var count = 0

    /// An empty list for slots `0..<capacity`.
    public init(capacity: Int) {
        prev = Array(repeating: -1, count: capacity)
        next = Array(repeating: -1, count: capacity)
        member = Array(repeating: false, count: capacity)
    }

    /// Whether `slot` is in the list.
    @inline(__always) public func contains(_ slot: Int) -> Bool { member[slot] }
    /// The slot after `slot` towards the back, or -1.
    @inline(__always) public func older(_ slot: Int) -> Int { Int(next[slot]) }
    /// The slot before `slot` towards the front, or -1.
    @inline(__always) public func newer(_ slot: Int) -> Int { Int(prev[slot]) }

    /// Puts `slot` (not in the list) at the front.
    public mutating func pushFront(_ slot: Int) {
        prev[slot] = -1
        next[slot] = Int32(front)
        if front >= 0 { prev[front] = Int32(slot) } else { back = slot }
        front = slot
        member[slot] = true
        count += 1
    }

    /// Takes `slot` out of the list (nothing if it is not in it).
    public mutating func remove(_ slot: Int) {
        guard member[slot] else { return }
        let p = Int(prev[slot]), n = Int(next[slot])
        if p >= 0 { next[p] = Int32(n) } else { front = n }
        if n >= 0 { prev[n] = Int32(p) } else { back = p }
        member[slot] = false
        count -= 1
    }

    /// Moves `slot` (in the list) to the front.
    @inline(__always) public mutating func moveToFront(_ slot: Int) {
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

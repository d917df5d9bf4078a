/// A bounded list of page ids that are no longer resident (the "ghost" history of 2Q's A1out
/// and ARC's B1/B2): insertion order, O(1) membership, removal and dropping of the oldest.
/// Front = newest. Flat arrays sized once; no allocation per event.
public struct GhostList {
    /// The most pages kept.
    public let limit: Int
    private var pages: [UInt64]
    private var prev: [Int32]
    private var next: [Int32]
    private var freeNodes: [Int32]
    private var index: PageSlotMap
    private var front: Int = -1
    private var back: Int = -1
    /// Number of pages held.
    public private(set) var count = 0

    /// An empty list holding up to `limit` pages (at least 0).
    public init(limit: Int) {
        self.limit = max(0, limit)
        let n = max(1, self.limit)
        pages = Array(repeating: 0, count: n)
        prev = Array(repeating: -1, count: n)
        next = Array(repeating: -1, count: n)
        freeNodes = (0..<Int32(n)).reversed()
        index = PageSlotMap(expected: n)
    }

    /// Whether `page` is in the list.
    public func contains(_ page: UInt64) -> Bool { index.find(page) >= 0 }

    /// Adds `page` at the front, dropping the oldest page first if the list is full.
    public mutating func pushFront(_ page: UInt64) {
        guard limit > 0 else { return }
        if count == limit { removeOldest() }
        let node = Int(freeNodes.removeLast())
        pages[node] = page
        prev[node] = -1
        next[node] = Int32(front)
        if front >= 0 { prev[front] = Int32(node) } else { back = node }
        front = node
        index.set(page, node)
        count += 1
    }

    /// Removes `page` if present.
    public mutating func remove(_ page: UInt64) {
        let node = index.find(page)
        guard node >= 0 else { return }
        unlink(node)
    }

    /// Removes the oldest page; returns it (nil when empty).
    @discardableResult
    public mutating func removeOldest() -> UInt64? {
        guard back >= 0 else { return nil }
        let page = pages[back]
        unlink(back)
        return page
    }

    private mutating func unlink(_ node: Int) {
        let p = Int(prev[node]), n = Int(next[node])
        if p >= 0 { next[p] = Int32(n) } else { front = n }
        if n >= 0 { prev[n] = Int32(p) } else { back = p }
        index.remove(pages[node])
        freeNodes.append(Int32(node))
        count -= 1
    }
}

/// A hugetlbfs-like pool: huge pages reserved from the buddy allocator at boot
/// (`Kernel.reserveHugePagePool`) that only `hugepage` mappings use. A free pool page is a
/// block of the huge order, state `allocated`, owned by the kernel, refcount 1 (the pool's
/// reference); a mapped one is counted like any huge page; when its last mapping goes it comes
/// back to the pool (zeroed), never to the buddy allocator.
public struct HugePagePool: Sendable, Equatable {
    /// First frames of every page of the pool.
    public private(set) var members: Set<UInt64> = []
    /// First frames of the free pages, lowest last (taken from the end: lowest first).
    public private(set) var free: [UInt64] = []

    /// An empty pool.
    public init() {}

    /// Pages in the pool.
    public var total: Int { members.count }

    /// Free pages.
    public var freeCount: Int { free.count }

    /// Adds the free page starting at `head`.
    mutating func add(_ head: UInt64) {
        members.insert(head)
        release(head)
    }

    /// Takes the lowest free page, or nil when the pool is empty.
    mutating func take() -> UInt64? { free.popLast() }

    /// Gives `head` back (keeps the free list sorted, highest first).
    mutating func release(_ head: UInt64) {
        let at = free.firstIndex { $0 < head } ?? free.count
        free.insert(head, at: at)
    }

    /// True when `head` is a page of the pool.
    func owns(_ head: UInt64) -> Bool { !members.isEmpty && members.contains(head) }
}

/// A set of page numbers in one flat open-addressing table (linear probing, power-of-two
/// capacity, at most half full). Memory grows with the number of *distinct* pages, never with
/// the number of accesses. Used by `TraceInfo`.
///
/// ```swift
/// var set = PageSet()
/// set.insert(7); set.insert(7)
/// set.count   // 1
/// ```
public struct PageSet: Sendable {
    // Stored as page + 1 so that 0 marks an empty slot (page UInt64.max is kept aside).
    private var slots: [UInt64]
    private var mask: Int
    private var hasMaxPage = false
    /// Number of distinct pages inserted.
    public private(set) var count = 0

    /// An empty set.
    public init() {
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    /// Adds `page`; returns true if it was new.
    @discardableResult
    public mutating func insert(_ page: UInt64) -> Bool {
        if page == .max {
            if hasMaxPage { return false }
            hasMaxPage = true
            count += 1
            return true
        }
        let key = page &+ 1
        var index = PageSet.hash(key) & mask
        while true {
            let slot = slots[index]
            if slot == key { return false }
            if slot == 0 { break }
            index = (index + 1) & mask
        }
        slots[index] = key
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    /// Whether `page` was inserted.
    public func contains(_ page: UInt64) -> Bool {
        if page == .max { return hasMaxPage }
        let key = page &+ 1
        var index = PageSet.hash(key) & mask
        while true {
            let slot = slots[index]
            if slot == key { return true }
            if slot == 0 { return false }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for key in old where key != 0 {
            var index = PageSet.hash(key) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = key
        }
    }

    @inline(__always)
    private static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }
}

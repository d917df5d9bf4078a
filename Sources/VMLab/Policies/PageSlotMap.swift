/// An open-addressing hash table from page id (`UInt64`) to a slot (`Int32`), for the
/// simulator's page → frame lookups and policies' ghost lists (DESIGN.md §8: no `Dictionary`
/// on the hot path).
///
/// Linear probing in a power-of-two table kept at most half full; removal shifts the
/// following entries back (no tombstones), so lookups stay short after many removals.
/// Keys are mixed with a multiplicative hash, so page numbers that differ only in high bits
/// spread well.
public struct PageSlotMap {
    private var keys: [UInt64]
    private var values: [Int32]   // -1: empty
    private var mask: Int
    /// Number of entries.
    public private(set) var count = 0

    /// A map that holds up to `expected` entries without growing.
    public init(expected: Int) {
        var size = 16
        while size < max(1, expected) * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// The slot of `key`, or -1 when absent.
    @inline(__always) public func find(_ key: UInt64) -> Int {
        var i = home(key)
        while true {
            let v = values[i]
            if v < 0 { return -1 }
            if keys[i] == key { return Int(v) }
            i = (i + 1) & mask
        }
    }

    /// Sets `key` → `slot` (replacing an existing entry).
    public mutating func set(_ key: UInt64, _ slot: Int) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = home(key)
        while values[i] >= 0 {
            if keys[i] == key { values[i] = Int32(slot); return }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = Int32(slot)
        count += 1
    }

    /// Removes `key` if present.
    public mutating func remove(_ key: UInt64) {
        var i = home(key)
        while true {
            if values[i] < 0 { return }
            if keys[i] == key { break }
            i = (i + 1) & mask
        }
        // Backward-shift deletion: move later entries of the probe run into the hole.
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            if values[j] < 0 { break }
            let h = home(keys[j])
            let between = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !between {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
        }
        values[hole] = -1
        count -= 1
    }

    /// Removes every entry.
    public mutating func removeAll() {
        for i in values.indices { values[i] = -1 }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for i in oldKeys.indices where oldValues[i] >= 0 { set(oldKeys[i], Int(oldValues[i])) }
    }
}

/// The ways of one TLB set in recency order, packed one nibble per way into a `UInt64`:
/// nibble 0 holds the most recent way (LRU: last used; FIFO: last arrived), nibble `ways − 1`
/// the least recent, and nibbles past `ways` hold 0xF. Every way appears exactly once.
/// ```
///   63    60        8     4     0
///  | pos 15 | ... | pos 1 | pos 0 |     e.g. 4 ways used 2, 0, 3, 1 (latest first):
///                                        0xFFFF_FFFF_FFFF_1302
/// ```
/// Moving a way to the front finds its nibble with the zero-nibble trick (no loop), so an
/// LRU hit and a victim both cost a handful of instructions whatever the ways.
enum WayOrder {
    /// The most ways a word holds.
    static let maximumWays = 16
    /// The fewest ways worth a word: a scan of four stamps costs less than keeping the order.
    static let minimumWays = 8

    static let ones: UInt64 = 0x1111_1111_1111_1111
    static let highBits: UInt64 = 0x8888_8888_8888_8888

    /// Way k in position k (no way used yet), the unused nibbles 0xF.
    static func initial(ways: Int) -> UInt64 { make(Array(0..<ways)) }

    /// The word for `ways` listed most recent first.
    static func make(_ ways: [Int]) -> UInt64 {
        var word = ~UInt64(0)
        for (position, way) in ways.enumerated() {
            let shift = UInt64(position * 4)
            word = (word & ~(0xF << shift)) | (UInt64(way) << shift)
        }
        return word
    }

    /// The way in the last position of a set of `ways` (its victim when every way is valid).
    @inline(__always)
    static func last(_ word: UInt64, ways: Int) -> Int {
        Int(truncatingIfNeeded: (word &>> UInt64(truncatingIfNeeded: (ways &- 1) &* 4)) & 0xF)
    }

    /// `word` with `way` moved to position 0 and the ways before it moved one position back.
    @inline(__always)
    static func moveToFront(_ word: UInt64, way: Int) -> UInt64 {
        // The nibble equal to `way` becomes 0; the lowest zero nibble's high bit is flagged
        // exactly (a borrow only runs upward from a zero nibble, so nothing below it is flagged).
        let x = word ^ (UInt64(truncatingIfNeeded: way) &* ones)
        let zero = (x &- ones) & ~x & highBits
        let before = ((zero & (0 &- zero)) &>> 3) &- 1    // the nibbles before the way's position
        return (word & ~((before &<< 4) | 0xF)) | ((word & before) &<< 4) | UInt64(truncatingIfNeeded: way)
    }

    /// Bits 0 … ways − 1 set: every way valid.
    @inline(__always)
    static func full(ways: Int) -> UInt32 { UInt32(truncatingIfNeeded: (UInt64(1) &<< UInt64(truncatingIfNeeded: ways)) &- 1) }
}

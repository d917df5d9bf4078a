/// The swap cache's links from a swap slot to the resident frame that holds its page (see
/// `Kernel+Swap`): an array indexed by slot, grown on demand, so that the lookups every swap-in
/// and eviction make cost an index, not a hash.
struct SwapCacheLinks {
    /// Per slot: the frame number + 1 (0: no link).
    private var frames: [UInt64] = []
    /// Number of links.
    private(set) var count = 0

    /// True when no slot is linked.
    var isEmpty: Bool { count == 0 }

    /// The frame linked to `slot`, or nil; setting nil unlinks it.
    subscript(slot: Int) -> UInt64? {
        get {
            guard slot >= 0, slot < frames.count, frames[slot] != 0 else { return nil }
            return frames[slot] - 1
        }
        set {
            guard slot >= 0 else { return }
            if slot >= frames.count {
                guard newValue != nil else { return }
                frames.append(contentsOf: repeatElement(0, count: max(slot + 1, 2 * frames.count) - frames.count))
            }
            let had = frames[slot] != 0
            frames[slot] = newValue.map { $0 + 1 } ?? 0
            count += (newValue != nil ? 1 : 0) - (had ? 1 : 0)
        }
    }

    /// Every link, lowest slot first.
    var links: [(slot: Int, frame: UInt64)] {
        frames.indices.compactMap { slot in frames[slot] == 0 ? nil : (slot, frames[slot] - 1) }
    }
}

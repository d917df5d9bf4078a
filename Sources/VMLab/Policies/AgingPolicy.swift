/// Aging: an n-bit counter per page approximates LFU over recent time, from R bits only.
///
/// Rule: every `tickEvery` accesses (a timer tick), each resident page's counter shifts right
/// by one and its R bit enters at the top (bit n−1); then R is cleared. A loaded page starts
/// with counter 0 (and R = 1 from its faulting access). The victim is the unpinned page with
/// the smallest key `R × 2ⁿ + counter` (a page referenced since the last tick beats any page
/// that was not); ties go to the lowest slot. Sees faults and ticks only.
public final class AgingPolicy: ReplacementPolicy {
    public let name = "aging"
    /// Counter width n (1…32).
    public let bits: Int
    /// Accesses between ticks (≥ 1).
    public let tickEvery: Int
    public var tickInterval: Int { tickEvery }
    private let frames: FrameTable
    private var counters: [UInt64]

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> AgingPolicy {
        let made = AgingPolicy(frames: frames, bits: bits, tickEvery: tickEvery)
        made.counters = counters
        return made
    }

    /// Aging over `frames` with `bits`-bit counters, ticking every `tickEvery` accesses
    /// (validated by `PolicySpec`).
    public init(frames: FrameTable, bits: Int, tickEvery: Int) {
        self.frames = frames
        self.bits = min(32, max(1, bits))
        self.tickEvery = max(1, tickEvery)
        counters = Array(repeating: 0, count: frames.capacity)
    }

    /// The counter of `slot`.
    public func counter(_ slot: Int) -> UInt64 { counters[slot] }

    public func inserted(slot: Int) { counters[slot] = 0 }

    public func tick() {
        let top = UInt64(1) << UInt64(bits - 1)
        for slot in 0..<frames.capacity where frames.isResident(slot) {
            counters[slot] = counters[slot] >> 1 | (frames.referenced(slot) ? top : 0)
            frames.clearReferenced(slot)
        }
    }

    public func victim(for incoming: UInt64) throws -> Int {
        var best = -1
        var bestKey = UInt64.max
        for slot in 0..<frames.capacity where frames.isResident(slot) && !frames.pinned(slot) {
            let key = (frames.referenced(slot) ? UInt64(1) << UInt64(bits) : 0) | counters[slot]
            if best < 0 || key < bestKey {
                best = slot
                bestKey = key
            }
        }
        guard best >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return best
    }
}

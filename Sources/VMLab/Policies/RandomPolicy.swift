/// Random: evicts a page chosen uniformly at random.
///
/// Rule: draw a slot uniformly from `0..<capacity` with a `SeededGenerator` (same seed, same
/// victims); redraw while it is pinned or empty (after 64 draws, pick uniformly among the
/// evictable slots). Sees faults only.
public final class RandomPolicy: ReplacementPolicy {
    public let name = "random"
    private let frames: FrameTable
    private var rng: SeededGenerator

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> RandomPolicy {
        let made = RandomPolicy(frames: frames, seed: 0)
        made.rng = rng
        return made
    }

    /// A random policy over `frames`, seeded with `seed`.
    public init(frames: FrameTable, seed: UInt64) {
        self.frames = frames
        rng = SeededGenerator(seed: seed)
    }

    public func inserted(slot: Int) {}

    public func victim(for incoming: UInt64) throws -> Int {
        let n = UInt64(frames.capacity)
        for _ in 0..<64 {
            let slot = Int(rng.next(below: n))
            if frames.isResident(slot) && !frames.pinned(slot) { return slot }
        }
        let candidates = (0..<frames.capacity).filter { frames.isResident($0) && !frames.pinned($0) }
        guard !candidates.isEmpty else { throw PolicyError.noEvictableFrame(policy: name) }
        return candidates[Int(rng.next(below: UInt64(candidates.count)))]
    }
}

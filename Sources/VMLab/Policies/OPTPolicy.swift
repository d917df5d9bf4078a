/// OPT (Belady's MIN): evicts the page whose next use is farthest in the future.
///
/// Needs the future, so it runs only in trace replay: `nextUse[i]` is the index of the next
/// access to the page of access `i` (0-based), or `Int.max` if there is none; the caller's
/// clock `frames.now` is `i + 1` during access `i`. Rule: the victim is the unpinned page whose
/// next use is latest; pages never used again come first; ties go to the lowest slot.
/// Needs every access (to know each page's next use).
///
/// Belady's string 1,2,3,4,1,2,5,1,2,3,4,5 gives 7 faults with 3 frames and 6 with 4. No
/// policy makes fewer faults.
public final class OPTPolicy: ReplacementPolicy {
    public let name = "opt"
    public var needsEveryAccess: Bool { true }
    private let frames: FrameTable
    private let future: [Int]
    private var nextUse: [Int]

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> OPTPolicy {
        let made = OPTPolicy(frames: frames, nextUse: future)
        made.nextUse = nextUse
        return made
    }

    /// OPT over `frames`, with the next-use index of every access of the trace to be replayed.
    public init(frames: FrameTable, nextUse future: [Int]) {
        self.frames = frames
        self.future = future
        nextUse = Array(repeating: Int.max, count: frames.capacity)
    }

    /// For each access, the index of the next access to the same page (`Int.max`: never).
    public static func nextUses(of pages: [UInt64]) -> [Int] {
        var result = Array(repeating: Int.max, count: pages.count)
        var last = PageSlotMap(expected: 1024)
        var i = pages.count - 1
        while i >= 0 {
            let seen = last.find(pages[i])
            if seen >= 0 { result[i] = seen }
            last.set(pages[i], i)
            i -= 1
        }
        return result
    }

    private func record(_ slot: Int) {
        let i = Int(frames.now) - 1
        nextUse[slot] = i >= 0 && i < future.count ? future[i] : Int.max
    }

    public func inserted(slot: Int) { record(slot) }

    public func accessed(slot: Int, isWrite: Bool) { record(slot) }

    public func victim(for incoming: UInt64) throws -> Int {
        var best = -1
        for slot in 0..<frames.capacity where frames.isResident(slot) && !frames.pinned(slot) {
            if best < 0 || nextUse[slot] > nextUse[best] { best = slot }
        }
        guard best >= 0 else { throw PolicyError.noEvictableFrame(policy: name) }
        return best
    }
}

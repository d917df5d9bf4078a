/// The counts of one policy-only replay: how the frames fared against a trace.
public struct PolicyResult: Equatable, Sendable {
    /// The policy's name.
    public var policy: String
    /// Number of frames.
    public var frames: Int
    /// Accesses replayed.
    public var accesses = 0
    /// Accesses whose page was resident.
    public var hits = 0
    /// Accesses whose page was not resident (page faults).
    public var misses = 0
    /// Pages evicted to make room (misses once the frames are full).
    public var evictions = 0
    /// Dirty pages written back: dirty victims plus pages a policy cleaned (WSClock).
    public var writebacks = 0
    /// Where a clock policy's hand points at the end (nil for policies without one hand).
    public var hand: Int?

    /// `hits / accesses` (0 for an empty trace).
    public var hitRate: Double { accesses == 0 ? 0 : Double(hits) / Double(accesses) }

    /// An empty result for `policy` with `frames` frames.
    public init(policy: String, frames: Int) {
        self.policy = policy
        self.frames = frames
    }
}

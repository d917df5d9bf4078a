/// Any built-in policy behind one concrete type, for a caller that chooses the policy at run
/// time and keeps it (the kernel, the simulator): every event dispatches through a `switch`
/// over an enum of `final class`es — no existential, no allocation (DESIGN.md §8).
///
/// ```swift
/// let frames = FrameTable(capacity: 64)
/// let policy = try BuiltinPolicy(.clock, frames: frames)
/// let slot = try policy.victim(for: page)
/// ```
public final class BuiltinPolicy: ReplacementPolicy {
    /// The policy object, by kind: one case per built-in policy class, named as in `PolicySpec`.
    public enum Kind {
        case fifo(FIFOPolicy)
        case lru(LRUPolicy)
        case opt(OPTPolicy)
        case random(RandomPolicy)
        case mru(MRUPolicy)
        case clock(ClockPolicy)
        case enhancedClock(EnhancedClockPolicy)
        case lfu(LFUPolicy)
        case aging(AgingPolicy)
        case workingSet(WorkingSetPolicy)
        case wsclock(WSClockPolicy)
        case twoQueue(TwoQueuePolicy)
        case arc(ARCPolicy)
        case lirs(LIRSPolicy)
        case clockPro(ClockProPolicy)
        case sieve(SIEVEPolicy)
        case s3fifo(S3FIFOPolicy)
    }

    /// The policy object.
    public let kind: Kind
    public let name: String
    public let needsEveryAccess: Bool
    public let tickInterval: Int

    /// The policy `spec` over `frames`. OPT needs `nextUse` (see `OPTPolicy.nextUses(of:)`):
    /// without it, OPT is an error, since only trace replay knows the future.
    public init(_ spec: PolicySpec, frames: FrameTable, nextUse: [Int]? = nil) throws {
        switch spec {
        case .fifo: kind = .fifo(FIFOPolicy(frames: frames))
        case .lru: kind = .lru(LRUPolicy(frames: frames))
        case .opt:
            guard let nextUse else {
                throw PolicyError.invalidOption(name: "opt", message: "OPT needs the future: it runs only in trace replay")
            }
            kind = .opt(OPTPolicy(frames: frames, nextUse: nextUse))
        case let .random(seed): kind = .random(RandomPolicy(frames: frames, seed: seed))
        case .mru: kind = .mru(MRUPolicy(frames: frames))
        case .clock: kind = .clock(ClockPolicy(frames: frames))
        case .enhancedClock: kind = .enhancedClock(EnhancedClockPolicy(frames: frames))
        case .lfu: kind = .lfu(LFUPolicy(frames: frames))
        case let .aging(bits, tick): kind = .aging(AgingPolicy(frames: frames, bits: bits, tickEvery: tick))
        case let .workingSet(tau): kind = .workingSet(WorkingSetPolicy(frames: frames, tau: tau))
        case let .wsclock(tau): kind = .wsclock(WSClockPolicy(frames: frames, tau: tau))
        case let .twoQueue(kin, kout): kind = .twoQueue(TwoQueuePolicy(frames: frames, kin: kin, kout: kout))
        case .arc: kind = .arc(ARCPolicy(frames: frames))
        case let .lirs(hir): kind = .lirs(LIRSPolicy(frames: frames, hir: hir))
        case .clockPro: kind = .clockPro(ClockProPolicy(frames: frames))
        case .sieve: kind = .sieve(SIEVEPolicy(frames: frames))
        case let .s3fifo(small): kind = .s3fifo(S3FIFOPolicy(frames: frames, small: small))
        }
        let policy = BuiltinPolicy.describe(kind)
        name = policy.name
        needsEveryAccess = policy.needsEveryAccess
        tickInterval = policy.tickInterval
    }

    /// The same policy with the same state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> BuiltinPolicy {
        switch kind {
        case .fifo(let p): return BuiltinPolicy(.fifo(p.copy(over: frames)))
        case .lru(let p): return BuiltinPolicy(.lru(p.copy(over: frames)))
        case .opt(let p): return BuiltinPolicy(.opt(p.copy(over: frames)))
        case .random(let p): return BuiltinPolicy(.random(p.copy(over: frames)))
        case .mru(let p): return BuiltinPolicy(.mru(p.copy(over: frames)))
        case .clock(let p): return BuiltinPolicy(.clock(p.copy(over: frames)))
        case .enhancedClock(let p): return BuiltinPolicy(.enhancedClock(p.copy(over: frames)))
        case .lfu(let p): return BuiltinPolicy(.lfu(p.copy(over: frames)))
        case .aging(let p): return BuiltinPolicy(.aging(p.copy(over: frames)))
        case .workingSet(let p): return BuiltinPolicy(.workingSet(p.copy(over: frames)))
        case .wsclock(let p): return BuiltinPolicy(.wsclock(p.copy(over: frames)))
        case .twoQueue(let p): return BuiltinPolicy(.twoQueue(p.copy(over: frames)))
        case .arc(let p): return BuiltinPolicy(.arc(p.copy(over: frames)))
        case .lirs(let p): return BuiltinPolicy(.lirs(p.copy(over: frames)))
        case .clockPro(let p): return BuiltinPolicy(.clockPro(p.copy(over: frames)))
        case .sieve(let p): return BuiltinPolicy(.sieve(p.copy(over: frames)))
        case .s3fifo(let p): return BuiltinPolicy(.s3fifo(p.copy(over: frames)))
        }
    }

    /// A policy around `kind`, already made.
    private init(_ kind: Kind) {
        self.kind = kind
        let policy = BuiltinPolicy.describe(kind)
        name = policy.name
        needsEveryAccess = policy.needsEveryAccess
        tickInterval = policy.tickInterval
    }

    /// The policy as an existential, for reading its constant properties once.
    private static func describe(_ kind: Kind) -> any ReplacementPolicy {
        switch kind {
        case .fifo(let p): return p
        case .lru(let p): return p
        case .opt(let p): return p
        case .random(let p): return p
        case .mru(let p): return p
        case .clock(let p): return p
        case .enhancedClock(let p): return p
        case .lfu(let p): return p
        case .aging(let p): return p
        case .workingSet(let p): return p
        case .wsclock(let p): return p
        case .twoQueue(let p): return p
        case .arc(let p): return p
        case .lirs(let p): return p
        case .clockPro(let p): return p
        case .sieve(let p): return p
        case .s3fifo(let p): return p
        }
    }

    /// The hand of a one-hand clock policy, else nil.
    public var hand: Int? { (BuiltinPolicy.describe(kind) as? any ClockHand)?.hand }

    @inline(__always) public func inserted(slot: Int) throws {
        switch kind {
        case .fifo(let p): p.inserted(slot: slot)
        case .lru(let p): p.inserted(slot: slot)
        case .opt(let p): p.inserted(slot: slot)
        case .random(let p): p.inserted(slot: slot)
        case .mru(let p): p.inserted(slot: slot)
        case .clock(let p): p.inserted(slot: slot)
        case .enhancedClock(let p): p.inserted(slot: slot)
        case .lfu(let p): p.inserted(slot: slot)
        case .aging(let p): p.inserted(slot: slot)
        case .workingSet(let p): p.inserted(slot: slot)
        case .wsclock(let p): p.inserted(slot: slot)
        case .twoQueue(let p): p.inserted(slot: slot)
        case .arc(let p): try p.inserted(slot: slot)
        case .lirs(let p): p.inserted(slot: slot)
        case .clockPro(let p): p.inserted(slot: slot)
        case .sieve(let p): p.inserted(slot: slot)
        case .s3fifo(let p): p.inserted(slot: slot)
        }
    }

    @inline(__always) public func accessed(slot: Int, isWrite: Bool) throws {
        switch kind {
        case .fifo(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .lru(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .opt(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .random(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .mru(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .clock(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .enhancedClock(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .lfu(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .aging(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .workingSet(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .wsclock(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .twoQueue(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .arc(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .lirs(let p): p.accessed(slot: slot, isWrite: isWrite)
        case .clockPro(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .sieve(let p): try p.accessed(slot: slot, isWrite: isWrite)
        case .s3fifo(let p): p.accessed(slot: slot, isWrite: isWrite)
        }
    }

    public func tick() throws {
        switch kind {
        case .fifo(let p): try p.tick()
        case .lru(let p): try p.tick()
        case .opt(let p): try p.tick()
        case .random(let p): try p.tick()
        case .mru(let p): try p.tick()
        case .clock(let p): try p.tick()
        case .enhancedClock(let p): try p.tick()
        case .lfu(let p): try p.tick()
        case .aging(let p): p.tick()
        case .workingSet(let p): try p.tick()
        case .wsclock(let p): try p.tick()
        case .twoQueue(let p): try p.tick()
        case .arc(let p): try p.tick()
        case .lirs(let p): try p.tick()
        case .clockPro(let p): try p.tick()
        case .sieve(let p): try p.tick()
        case .s3fifo(let p): try p.tick()
        }
    }

    public func victim(for incoming: UInt64) throws -> Int {
        switch kind {
        case .fifo(let p): return try p.victim(for: incoming)
        case .lru(let p): return try p.victim(for: incoming)
        case .opt(let p): return try p.victim(for: incoming)
        case .random(let p): return try p.victim(for: incoming)
        case .mru(let p): return try p.victim(for: incoming)
        case .clock(let p): return try p.victim(for: incoming)
        case .enhancedClock(let p): return try p.victim(for: incoming)
        case .lfu(let p): return try p.victim(for: incoming)
        case .aging(let p): return try p.victim(for: incoming)
        case .workingSet(let p): return try p.victim(for: incoming)
        case .wsclock(let p): return try p.victim(for: incoming)
        case .twoQueue(let p): return try p.victim(for: incoming)
        case .arc(let p): return try p.victim(for: incoming)
        case .lirs(let p): return try p.victim(for: incoming)
        case .clockPro(let p): return try p.victim(for: incoming)
        case .sieve(let p): return try p.victim(for: incoming)
        case .s3fifo(let p): return try p.victim(for: incoming)
        }
    }

    public func removed(slot: Int) throws {
        switch kind {
        case .fifo(let p): p.removed(slot: slot)
        case .lru(let p): p.removed(slot: slot)
        case .opt(let p): try p.removed(slot: slot)
        case .random(let p): try p.removed(slot: slot)
        case .mru(let p): p.removed(slot: slot)
        case .clock(let p): try p.removed(slot: slot)
        case .enhancedClock(let p): try p.removed(slot: slot)
        case .lfu(let p): try p.removed(slot: slot)
        case .aging(let p): try p.removed(slot: slot)
        case .workingSet(let p): try p.removed(slot: slot)
        case .wsclock(let p): try p.removed(slot: slot)
        case .twoQueue(let p): p.removed(slot: slot)
        case .arc(let p): p.removed(slot: slot)
        case .lirs(let p): p.removed(slot: slot)
        case .clockPro(let p): p.removed(slot: slot)
        case .sieve(let p): p.removed(slot: slot)
        case .s3fifo(let p): p.removed(slot: slot)
        }
    }
}

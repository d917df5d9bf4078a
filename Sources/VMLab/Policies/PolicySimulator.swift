/// Policy-only simulation: replays a trace through a replacement policy with N frames and
/// counts hits, misses (faults), evictions and write-backs — no page tables, no TLB.
///
/// Per access: page = address >> page bits; the clock `now` advances; a resident page is a hit
/// (R set, D set for a write; the policy is told only if it needs every access); otherwise a
/// miss: the lowest never-used slot if any, else the policy's victim (checked: resident and
/// unpinned; a dirty victim is a write-back) is freed, then the page is loaded there (R set,
/// D for a write) and the policy is told. Every `tickInterval` accesses the policy ticks.
///
/// ```swift
/// let sim = try PolicySimulator(frames: 3)
/// let r = try sim.run(.fifo, trace: try ArrayTrace(pages: [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]))
/// r.misses   // 9
/// ```
public struct PolicySimulator {
    /// Largest number of frames accepted (keeps a typo from allocating gigabytes).
    public static let maxFrames = 1 << 24
    /// Number of frames.
    public let frames: Int
    /// log2 of the page size.
    public let pageShift: Int
    /// Pages that are pinned whenever they are resident (never victims), like mlock'd pages.
    public var pinnedPages: [UInt64] = []
    /// Called between batches of accesses; a non-nil message stops the run with that error
    /// (the Lua binding uses it for limits and Ctrl-C).
    public var stopCheck: (() -> String?)?
    /// Called for every eviction with the victim's slot and page (tests, event streams).
    public var onEvict: ((_ slot: Int, _ page: UInt64) -> Void)?

    /// Throws `PolicyError.invalidOption` unless `1 ≤ frames ≤ maxFrames` and `pageSize` is a
    /// power of two.
    public init(frames: Int, pageSize: UInt64 = 4096) throws {
        guard frames >= 1 && frames <= PolicySimulator.maxFrames else {
            throw PolicyError.invalidOption(name: "frames", message: "expected 1…\(PolicySimulator.maxFrames) frames, got \(frames)")
        }
        guard pageSize >= 1 && pageSize & (pageSize - 1) == 0 else {
            throw PolicyError.invalidOption(name: "page_size", message: "expected a power of two, got \(pageSize)")
        }
        self.frames = frames
        pageShift = pageSize.trailingZeroBitCount
    }

    /// The frame counts `from, from + step, …` up to `to`; throws unless `1 ≤ from ≤ to`,
    /// `step ≥ 1`, `to ≤ maxFrames` and there are at most 100,000 points.
    public static func frameCounts(from: Int, to: Int, step: Int) throws -> [Int] {
        func bad(_ message: String) -> PolicyError { .invalidOption(name: "frames", message: message) }
        guard from >= 1 else { throw bad("from must be ≥ 1, got \(from)") }
        guard to >= from else { throw bad("from (\(from)) must not exceed to (\(to))") }
        guard step >= 1 else { throw bad("step must be ≥ 1, got \(step)") }
        guard to <= maxFrames else { throw bad("to must be ≤ \(maxFrames), got \(to)") }
        guard (to - from) / step < 100_000 else { throw bad("at most 100000 points, got \((to - from) / step + 1)") }
        return Array(stride(from: from, through: to, by: step))
    }

    /// Replays `trace` (from its current position) through the built-in policy `spec`.
    public func run(_ spec: PolicySpec, trace: some Trace) throws -> PolicyResult {
        let table = FrameTable(capacity: frames)
        if spec == .opt {
            let accesses = try collect(trace)
            guard accesses.count <= Int(Int32.max) else {
                throw PolicyError.invalidOption(name: "opt", message: "a trace of more than \(Int32.max) accesses is too long for OPT")
            }
            let future = OPTPolicy.nextUses(of: accesses.map { $0.address >> UInt64(pageShift) })
            let policy = try BuiltinPolicy(spec, frames: table, nextUse: future)
            return try replay(policy, table: table, trace: ArrayTrace(accesses: accesses))
        }
        let policy = try BuiltinPolicy(spec, frames: table)
        var result = try replay(policy, table: table, trace: trace)
        result.hand = policy.hand
        return result
    }

    /// Replays `trace` through `spec` once per frame count, rewinding the trace before each.
    public static func curve(_ spec: PolicySpec, trace: some Trace, frameCounts: [Int], pageSize: UInt64 = 4096,
                             configure: (inout PolicySimulator) -> Void = { _ in }) throws -> PolicyCurve {
        var points: [PolicyResult] = []
        for n in frameCounts {
            var simulator = try PolicySimulator(frames: n, pageSize: pageSize)
            configure(&simulator)
            try trace.rewind()
            points.append(try simulator.run(spec, trace: trace))
        }
        return PolicyCurve(points: points)
    }

    private func collect(_ trace: some Trace) throws -> [Access] {
        var all: [Access] = []
        var buffer = [Access](repeating: Access(), count: 4096)
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { try trace.next(into: $0) }
            if n == 0 { break }
            all.append(contentsOf: buffer[..<n])
            if let stopCheck, let message = stopCheck() { throw PolicyError.stopped(message: message) }
        }
        return all
    }

    /// Replays `trace` through `policy`, whose frame table is `table` (emptied first; its
    /// capacity must be `frames`).
    public func run<P: ReplacementPolicy>(_ policy: P, table: FrameTable, trace: some Trace) throws -> PolicyResult {
        try replay(policy, table: table, trace: trace)
    }

    /// The replay loop. Always inlined, so that each built-in policy's case in `run(_:trace:)`
    /// gets its own specialized loop with direct (inlinable) calls to the policy.
    @inline(__always)
    private func replay<P: ReplacementPolicy>(_ policy: P, table: FrameTable, trace: some Trace) throws -> PolicyResult {
        table.reset()
        var result = PolicyResult(policy: policy.name, frames: table.capacity)
        var map = PageSlotMap(expected: table.capacity)
        var pinned = PageSlotMap(expected: pinnedPages.count)
        for page in pinnedPages { pinned.set(page, 0) }
        let hasPinned = !pinnedPages.isEmpty
        let capacity = table.capacity
        var nextFree = 0
        let everyAccess = policy.needsEveryAccess
        let tickInterval = policy.tickInterval
        var untilTick = tickInterval
        let shift = UInt64(pageShift)
        var hits = 0, misses = 0, evictions = 0, dirtyEvictions = 0, accesses = 0
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        while true {
            let n = try trace.next(into: buffer)
            if n == 0 { break }
            accesses += n
            for i in 0..<n {
                let access = buffer[i]
                let page = access.address >> shift
                let isWrite = access.kind == .write
                table.now &+= 1
                let slot = map.find(page)
                if slot >= 0 {
                    hits += 1
                    table.touch(slot, isWrite: isWrite)
                    if everyAccess { try policy.accessed(slot: slot, isWrite: isWrite) }
                } else {
                    misses += 1
                    let target: Int
                    if nextFree < capacity {
                        target = nextFree
                        nextFree += 1
                    } else {
                        target = try policy.victim(for: page)
                        try check(victim: target, of: policy, table: table)
                        evictions += 1
                        if table.dirty(target) { dirtyEvictions += 1 }
                        if let onEvict { onEvict(target, table.page(target)) }
                        try policy.removed(slot: target)
                        map.remove(table.page(target))
                        table.free(slot: target)
                    }
                    table.load(slot: target, page: page)
                    if isWrite { table.touch(target, isWrite: true) }
                    if hasPinned && pinned.find(page) >= 0 { table.setPinned(target, true) }
                    map.set(page, target)
                    try policy.inserted(slot: target)
                }
                if tickInterval > 0 {
                    untilTick -= 1
                    if untilTick == 0 {
                        untilTick = tickInterval
                        try policy.tick()
                    }
                }
            }
            if let stopCheck, let message = stopCheck() { throw PolicyError.stopped(message: message) }
        }
        result.accesses = accesses
        result.hits = hits
        result.misses = misses
        result.evictions = evictions
        result.writebacks = dirtyEvictions + table.cleanedCount
        result.hand = (policy as? any ClockHand)?.hand
        return result
    }

    /// Throws `PolicyError.badVictim` unless `slot` is a resident, unpinned slot.
    private func check<P: ReplacementPolicy>(victim slot: Int, of policy: P, table: FrameTable) throws {
        guard table.contains(slot) else {
            throw PolicyError.badVictim(policy: policy.name, message: "victim returned \(slot), but only slots 0…\(table.capacity - 1) exist")
        }
        guard !table.pinned(slot) else {
            throw PolicyError.badVictim(policy: policy.name, message: "victim returned slot \(slot), which is pinned (page \(table.page(slot)))")
        }
        guard table.isResident(slot) else {
            throw PolicyError.badVictim(policy: policy.name, message: "victim returned slot \(slot), which holds no page")
        }
    }
}

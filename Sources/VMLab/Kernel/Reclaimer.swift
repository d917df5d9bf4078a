/// The kernel's reclaim state: which frames a replacement policy may evict, the policy and
/// its frame table, the free-frame watermarks, the reverse map and the swap cache.
///
/// Slot `i` of the policy's `FrameTable` is physical frame `i`, so the table needs no lookup.
/// A frame enters the table when a fault maps it as a private anonymous page (demand zero,
/// swap-in, COW copy), as a page-cache page of a file or (with swap) of shared anonymous memory,
/// or as a transparent huge page (its head frame), and leaves it when it is freed. Its R and D bits are set on every access
/// that the process makes, as hardware sets A/D bits (without the TLB's lag: a policy clearing R
/// sees the next access even when the TLB still holds the translation).
public final class Reclaimer {
    /// The replacement policy, as the kernel calls it.
    public enum Policy {
        /// A built-in policy (enum dispatch, no existential on the access path).
        case builtin(BuiltinPolicy)
        /// Any other policy (e.g. one written in Lua).
        case custom(any ReplacementPolicy)
    }

    /// The frame table the policy looks at (slot = frame number).
    public internal(set) var frames: FrameTable
    /// The policy.
    public internal(set) var policy: Policy {
        didSet { builtinReference = Self.builtin(of: policy) }
    }
    /// `policy` when it is built in, as every fault and eviction calls it: borrowing an
    /// unmanaged reference costs no retain and release (copying the enum's payload does).
    var builtinReference: Unmanaged<BuiltinPolicy>?
    /// The policy's name.
    public internal(set) var policyName: String
    /// True when the policy is told of every access (exact recency: LRU, LFU, MRU, 2Q, ARC…).
    public internal(set) var needsEveryAccess: Bool
    /// Accesses between two `tick()`s of the policy (0: none).
    public internal(set) var tickInterval: Int
    /// Reclaim starts when free frames fall below `low`…
    public internal(set) var low: Int
    /// …and stops when they reach `high`.
    public internal(set) var high: Int
    /// Counters of reclaim and swap (swap-ins, swap-outs, write-backs, clean drops, OOM kills…).
    public internal(set) var counters = SwapCounters()
    var untilTick: Int
    /// Per frame: the user address it was mapped at when it entered the table (reverse map:
    /// every process that maps a private anonymous page maps it there, fork keeps addresses).
    var pageVA: [UInt64]
    /// Per frame: the swap slot that still holds its bytes (swap cache), or -1.
    var cacheSlot: [Int32]
    /// Per frame: the value of `frames.now` at its last access (for working-set sizes). A flat
    /// buffer: written on every access, without the exclusivity and uniqueness checks of an array.
    let lastUse: UnsafeMutableBufferPointer<UInt64>
    /// The machine's recent faults, at `frames.now` (for the machine's fault rate).
    var machineFaults = FaultLog()
    /// Page-cache frames the policy tracks (files and shared anonymous memory): frame → its
    /// object and page index.
    var filePages: [UInt64: (object: MemoryObject, index: UInt64)] = [:]
    /// Per swap slot in the swap cache: the resident frame holding its page.
    var slotFrame = SwapCacheLinks()
    /// The page id of the fault being handled (ARC and 2Q look at their ghost lists with it).
    var incoming: UInt64 = 0
    /// The pid whose fault is being handled (the OOM killer spares it when it can).
    var currentPID = 0
    /// The frame of the page whose fault is being handled, when it is present (−1: none):
    /// reclaim passes over it like a page it cannot evict.
    var faultingFrame = -1
    /// An error a policy raised (e.g. from Lua), reported when the access returns.
    var policyError: Error?
    /// True while reclaim runs (a Lua policy's callback that faults must not reclaim again).
    var busy = false
    /// Whether reclaim may swap out last-level page tables with no present entry
    /// (`Kernel.setSwapsPageTables`; default false, as in Linux).
    public internal(set) var swapsPageTables = false
    /// Last-level page tables now in swap (their parent entries carry the slot).
    public internal(set) var swappedTables = 0
    /// The table that must stay while a fault is handled (its address), `holdEveryTable`
    /// while fork copies, or nil.
    var tableHold: UInt64?
    /// `tableHold` value that keeps every table resident.
    static let holdEveryTable = UInt64.max

    /// Reclaim over `frameCount` frames with `policy` and watermarks `low`/`high`.
    init(frameCount: Int, spec: PolicySpec, low: Int, high: Int) throws {
        frames = FrameTable(capacity: frameCount)
        let made = try BuiltinPolicy(spec, frames: frames)
        policy = .builtin(made)
        builtinReference = Self.builtin(of: policy)
        policyName = made.name
        needsEveryAccess = made.needsEveryAccess
        tickInterval = made.tickInterval
        untilTick = made.tickInterval
        self.low = low
        self.high = high
        pageVA = Array(repeating: 0, count: frameCount)
        cacheSlot = Array(repeating: -1, count: frameCount)
        lastUse = .allocate(capacity: frames.capacity)
        lastUse.initialize(repeating: 0)
    }

    deinit { lastUse.deallocate() }

    /// Replaces the policy by the one `make` builds over a fresh frame table; the frames already
    /// tracked are loaded into it (oldest first) with their bits, and inserted.
    func replacePolicy(_ make: (FrameTable) throws -> Policy) throws {
        let fresh = FrameTable(capacity: frames.capacity)
        let made = try make(fresh)
        fresh.now = frames.now
        var order: [Int] = []
        for slot in 0..<frames.capacity where frames.isResident(slot) { order.append(slot) }
        order.sort { (frames.loadTime($0), $0) < (frames.loadTime($1), $1) }
        let old = frames
        frames = fresh
        policy = made
        switch made {
        case .builtin(let p): policyName = p.name; needsEveryAccess = p.needsEveryAccess; tickInterval = p.tickInterval
        case .custom(let p): policyName = p.name; needsEveryAccess = p.needsEveryAccess; tickInterval = p.tickInterval
        }
        untilTick = tickInterval
        for slot in order {
            fresh.load(slot: slot, page: old.page(slot))
            if old.dirty(slot) { fresh.touch(slot, isWrite: true) }
            if old.pinned(slot) { fresh.setPinned(slot, true) }
            try inserted(slot)
        }
    }

    /// Sets the counters back to zero (`m:reset_stats()`).
    public func resetCounters() { counters = SwapCounters() }

    /// Faults of every process per access over the machine's last `window` accesses (at most
    /// the last 4,096 faults are remembered): thrashing shows as this rate jumping while
    /// accesses (progress) crawl.
    public func faultRate(window: Int) -> Double {
        let now = Int(truncatingIfNeeded: frames.now)
        let span = min(max(1, window), max(1, now))
        return Double(machineFaults.count(since: now - span + 1)) / Double(span)
    }

    /// The unmanaged reference `builtinReference` keeps for `policy`.
    static func builtin(of policy: Policy) -> Unmanaged<BuiltinPolicy>? {
        if case .builtin(let p) = policy { return Unmanaged.passUnretained(p) }
        return nil
    }

    /// Tells the policy that `slot` was loaded.
    @inline(__always) func inserted(_ slot: Int) throws {
        if let b = builtinReference { return try b._withUnsafeGuaranteedRef { try $0.inserted(slot: slot) } }
        if case .custom(let p) = policy { try p.inserted(slot: slot) }
    }

    /// Tells the policy that `slot` is about to be freed.
    @inline(__always) func removed(_ slot: Int) throws {
        if let b = builtinReference { return try b._withUnsafeGuaranteedRef { try $0.removed(slot: slot) } }
        if case .custom(let p) = policy { try p.removed(slot: slot) }
    }

    /// Asks the policy for a victim.
    func victim() throws -> Int {
        if let b = builtinReference { return try b._withUnsafeGuaranteedRef { try $0.victim(for: incoming) } }
        switch policy {
        case .builtin(let p): return try p.victim(for: incoming)
        case .custom(let p): return try p.victim(for: incoming)
        }
    }

    /// Advances the virtual clock by one access; ticks the policy when it is due.
    @inline(__always) func beginAccess() {
        frames.now &+= 1
        guard tickInterval > 0 else { return }
        untilTick -= 1
        if untilTick <= 0 {
            untilTick = tickInterval
            do {
                switch policy {
                case .builtin(let p): try p.tick()
                case .custom(let p): try p.tick()
                }
            } catch { policyError = policyError ?? error }
        }
    }

    /// Records an access to `frame` (R, and D for a write); tells exact-recency policies of a
    /// hit (`faulted`: the access faulted, the policy already saw it as `inserted`).
    @inline(__always) func touched(_ frame: UInt64, isWrite: Bool, faulted: Bool) {
        let slot = Int(truncatingIfNeeded: frame)
        guard slot >= 0, slot < frames.capacity else { return }
        lastUse[slot] = frames.now
        guard frames.isResident(slot) else { return }
        frames.touch(slot, isWrite: isWrite)
        guard needsEveryAccess, !faulted else { return }
        do {
            switch policy {
            case .builtin(let p): try p.accessed(slot: slot, isWrite: isWrite)
            case .custom(let p): try p.accessed(slot: slot, isWrite: isWrite)
            }
        } catch { policyError = policyError ?? error }
    }
}

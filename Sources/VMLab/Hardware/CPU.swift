/// Counters of one CPU.
public struct CPUStats: Sendable, Equatable {
    /// Accesses translated by this CPU's MMU.
    public var accesses = 0
    /// Translation cycles: TLB lookups, page-walk-cache hits, walk references (and IPIs sent,
    /// context switches).
    public var cycles = 0
    /// Accesses that hit some TLB level.
    public var tlbHits = 0
    /// Accesses that went to the walker (including those that faulted).
    public var walks = 0
    /// Walks that started below the root thanks to a page-walk-cache hit.
    public var pageWalkCacheHits = 0
    /// Accesses that faulted.
    public var faults = 0
    /// Context switches to a different space.
    public var contextSwitches = 0
    /// Flush operations (switch flushes, flushAll/flush(asid:)/flushNonGlobal, ceiling flushes).
    public var flushes = 0
    /// IPIs this CPU sent (as shootdown initiator).
    public var ipisSent = 0
    /// IPIs this CPU received.
    public var ipisReceived = 0
    /// KPTI root switches (each kernel entry and each return to user mode).
    public var kptiSwitches = 0
    /// Software TLB refill exceptions (software-managed TLB only).
    public var refills = 0

    public init() {}

    /// Average translation cycles per access (`cycles / accesses`; the data access itself is not
    /// part of it). 0 before any access.
    public var amat: Double { accesses == 0 ? 0 : Double(cycles) / Double(accesses) }
}

/// What the MMU pipeline did for one access.
public struct MMUResult: Sendable, Equatable {
    /// The physical address (0 on a fault).
    public var physicalAddress: UInt64 = 0
    /// Size of the page (0 on a fault).
    public var pageBytes: UInt64 = 0
    /// Index in `CPU.tlbs` of the structure that hit, or −1 when the walker was used.
    public var tlbIndex = -1
    /// Level number (1 = L1) of the TLB hit, or 0 when the walker was used.
    public var tlbLevel = 0
    /// The upper level (0 = root) whose page-walk cache hit, so the walk started one level
    /// lower; −1 when no page-walk cache hit (or no walk).
    public var pageWalkCacheLevel = -1
    /// Memory references of the walk (0 on a TLB hit).
    public var references = 0
    /// Cycles spent: the hit cost of every TLB level looked up, the page-walk-cache hit cost,
    /// and `references × memoryReference`.
    public var cycles = 0
    /// The fault, or nil.
    public var fault: PageFault?

    public init() {}

    /// True when a software refill handler supplied the translation (software-managed TLB).
    public var refilled = false

    /// True when the walker (or a software refill) was used.
    public var walked: Bool { tlbLevel == 0 }
}

/// Totals of a `CPU.run` batch.
public struct RunSummary: Sendable, Equatable {
    public var accesses = 0
    public var tlbHits = 0
    public var walks = 0
    public var pageWalkCacheHits = 0
    public var faults = 0
    public var cycles = 0
    /// The first fault of the batch, if any (faults do not stop the batch).
    public var firstFault: PageFault?

    public init() {}

    /// Average translation cycles per access.
    public var amat: Double { accesses == 0 ? 0 : Double(cycles) / Double(accesses) }
}

/// One CPU: its TLB structures (private, plus the shared ones), its page-walk caches, the
/// address space it runs and the tag (ASID/PCID) its entries carry.
///
/// **MMU pipeline** (`access`, `run`): the structures serving the access kind are looked up in
/// level order (see `TLBLevelConfiguration`); each level looked up costs its `costs.tlbHit`
/// (so an L2 hit costs tlbHit[0] + tlbHit[1]). An entry is used only if it allows the access
/// (`TLBMeta.need`: R for a read, W *and* D for a write — a write to a clean entry goes to the
/// walker, which sets D in the PTE —, X for a fetch, U in user mode); otherwise it counts as a
/// miss. On a miss everywhere the page-walk caches are probed deepest level first; a hit at level
/// `l` starts the walk at level `l + 1` from the cached table (`costs.pageWalkCacheHit`, and
/// `l + 1` fewer references). Then the walker runs (`references × costs.memoryReference`), or
/// faults (nothing is filled).
///
/// **Fill policy (non-inclusive, fill-all).** A walk fills, at every level of the path, the
/// first structure holding the page's size, and fills the page-walk caches of every upper level
/// it walked through. A hit at level L fills the levels above it (numbers < L). Evictions never
/// propagate (an L2 eviction leaves L1 alone and vice versa). An entry that matches but lacks
/// the access's rights (a write to a clean or read-only entry) is dropped by the lookup, as x86
/// drops it on the walk or fault that follows.
public final class CPU {
    /// Position of the CPU (0-based).
    public let index: Int
    /// The processors this CPU belongs to.
    public unowned let processors: Processors
    /// The address space it runs (nil before the first switch or after that space is released
    /// or freed). Not owned: the space keeps the machine alive, so owning it here would be a cycle
    /// (machine → processors → CPU → space → machine); whoever runs the space holds it. Not
    /// `weak` either: a weak reference gives the space a side table that makes every retain and
    /// release of it slow (most of the time of a kernel run). A space going away clears it
    /// (`PageTable.deinit` → `Processors.forget`).
    public internal(set) var space: PageTable? {
        get { spaceReference?.takeUnretainedValue() }
        set { spaceReference = newValue.map { Unmanaged.passUnretained($0) } }
    }
    /// `space`, as the access path reads it: borrowing an unmanaged reference costs no retain
    /// and release (reading an `unowned(unsafe)` property into a local costs both).
    var spaceReference: Unmanaged<PageTable>?
    /// The tag of its current entries: the space's ASID with PCIDs on (with `userTagBit` added
    /// in user mode under KPTI), else the CPU index.
    public internal(set) var currentTag = 0
    /// The VMID of a guest's virtual CPU that shares its host CPU's structures, in a tag's bits
    /// 16 and up (see `TLB`), added to every tag handed to a structure; 0 otherwise.
    let vmidTag: Int
    /// The VMID its entries carry in structures shared with guests (0: the host's or a guest
    /// with structures of its own).
    public var vmid: Int { vmidTag >> 16 }
    /// The privilege it runs at: the last access's, or what `enter` set. Under KPTI it decides
    /// which root is loaded. A CPU starts in the kernel.
    public var privilege: Privilege { privilegeStorage.pointee }
    /// Every TLB structure this CPU uses, in configuration order (shared ones included).
    public let tlbs: [TLB]
    /// Its page-walk caches, root level first.
    public let pageWalkCaches: [TLB]
    /// The upper level each page-walk cache serves.
    public let pageWalkCacheLevels: [Int]

    let stats: UnsafeMutablePointer<CPUStats>
    let scratch: MMUWalkScratch
    var flushedGeneration: UInt64
    // Lookup paths: [0] data, [1] instruction.
    let paths: [[TLB]]
    let pathLevels: [[Int]]
    let pathIndex: [[Int]]
    /// Fill targets per path and page-size index: (structure, level number).
    let fills: [[[(tlb: TLB, level: Int)]]]
    let sizeIndexOfLevel: [Int]
    let sizeBytes: [UInt64]
    /// The machine owns the processors that own this CPU (and Lua holds a CPU only with its machine).
    unowned(unsafe) let machine: Machine
    // Hot-path copies of the above in raw memory (no retains, no bounds checks).
    /// Fills empty path slots (never looked up).
    let placeholder: TLB
    let costs: UnsafeMutablePointer<CostModel>
    /// The machine's cost-model version and counters (`Machine.costsVersion`, `Machine.counters`).
    let costsVersion: UnsafeMutablePointer<UInt64>
    /// The mode's base page size (what one `invlpg` covers).
    let basePageBytes: UInt64
    let machineCounters: UnsafeMutablePointer<CounterValues>
    /// costs.tlbHit per level number 0…16 (refreshed at each `access`/`run`).
    let levelCost: UnsafeMutablePointer<Int>
    /// Paths: data at 0..<pathCount[0], instruction at 16..<16 + pathCount[1] (the structures'
    /// `TLBCore`s, called directly).
    let pathTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBCore>>
    let pathLevel: UnsafeMutablePointer<Int>
    let pathSlot: UnsafeMutablePointer<Int>
    let pathCount: UnsafeMutablePointer<Int>
    /// Fill targets of (path p, size s): at (p × 8 + s) × 16 ..< + fillCount[p × 8 + s].
    let fillTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBCore>>
    let fillLevel: UnsafeMutablePointer<Int>
    let fillCount: UnsafeMutablePointer<Int>
    let pwcTLB: UnsafeMutablePointer<UnsafeMutablePointer<TLBCore>>
    let pwcLevel: UnsafeMutablePointer<Int>
    let pwcCount: Int
    /// The `TLBCore` of each of `tlbs` (invalidations run over them at every eviction).
    let tlbCores: UnsafeMutablePointer<UnsafeMutablePointer<TLBCore>>
    let tlbCount: Int
    /// A software-managed TLB: misses go to `refill` instead of the walker.
    let softwareTLB: Bool
    /// The processors' configuration (it never changes), held here: every invalidation reads
    /// it, and reaching it through the unowned `processors` costs an atomic retain and release.
    let configuration: ProcessorConfiguration
    /// The PKRU register (raw memory: read once per access or batch).
    let pkruStorage: UnsafeMutablePointer<UInt32>
    /// The privilege the CPU runs at (raw memory: `enter` reads it at every access).
    let privilegeStorage: UnsafeMutablePointer<Privilege>
    /// The machine's `costsVersion` that `levelCost` was computed for (`UInt64.max`: never).
    let levelCostVersion: UnsafeMutablePointer<UInt64>
    /// The message of a failed software refill, for `access`/`run` to throw (raw memory: read
    /// after every access of a run).
    let refillFailure: UnsafeMutablePointer<String?>
    let sizeOfIndex: UnsafeMutablePointer<UInt64>
    let sizeIndexOf: UnsafeMutablePointer<Int>

    init(index: Int, processors: Processors, tlbs: [TLB], levels: [TLBLevelConfiguration],
         pageWalkCaches: [(level: Int, cache: TLB)]) {
        self.index = index
        self.processors = processors
        self.machine = processors.machine
        self.vmidTag = processors.sharesHostTLBs ? processors.vmid << 16 : 0
        self.tlbs = tlbs
        self.pageWalkCaches = pageWalkCaches.map(\.cache)
        self.pageWalkCacheLevels = pageWalkCaches.map(\.level)
        let mode = processors.machine.mode
        stats = .allocate(capacity: 1); stats.initialize(to: CPUStats())
        scratch = MMUWalkScratch(levels: mode.levels)
        flushedGeneration = processors.generation
        let sizes = mode.supportedPageSizes
        sizeBytes = sizes
        sizeIndexOfLevel = (0..<mode.levels).map { level in sizes.firstIndex(of: mode.pageBytes(level: level)) ?? 0 }
        var paths: [[TLB]] = [], pathLevels: [[Int]] = [], pathIndex: [[Int]] = [], fills: [[[(tlb: TLB, level: Int)]]] = []
        for kind in [AccessKind.read, .execute] {
            var entries: [(tlb: TLB, level: Int, index: Int)] = []
            var previous = 0
            for (i, c) in levels.enumerated() where c.kind.serves(kind) {
                let number = c.level ?? previous + 1
                previous = number
                entries.append((tlbs[i], number, i))
            }
            // Stable sort by level number.
            entries = entries.enumerated().sorted { ($0.element.level, $0.offset) < ($1.element.level, $1.offset) }.map(\.element)
            paths.append(entries.map(\.tlb))
            pathLevels.append(entries.map(\.level))
            pathIndex.append(entries.map(\.index))
            var bySize: [[(tlb: TLB, level: Int)]] = []
            for (s, size) in sizes.enumerated() {
                _ = s
                var targets: [(tlb: TLB, level: Int)] = []
                for e in entries where e.tlb.holds(pageBytes: size) && !targets.contains(where: { $0.level == e.level }) {
                    targets.append((e.tlb, e.level))
                }
                bySize.append(targets)
            }
            fills.append(bySize)
        }
        self.paths = paths
        self.pathLevels = pathLevels
        self.pathIndex = pathIndex
        self.fills = fills
        costs = processors.machine.costStorage
        costsVersion = processors.machine.costsVersion
        basePageBytes = processors.machine.mode.pageBytes
        machineCounters = processors.machine.counters.storage
        levelCost = .allocate(capacity: 17); levelCost.initialize(repeating: 0, count: 17)
        placeholder = TLB(name: "", entries: 1, ways: 1, replacement: .lru, kind: .unified, held: [], shared: false,
                          cpu: index, pageWalkCache: false, frameBits: mode.pageBits, seed: 0)
        pathTLB = .allocate(capacity: 32)
        pathTLB.initialize(repeating: placeholder.core, count: 32)
        pathLevel = .allocate(capacity: 32); pathLevel.initialize(repeating: 0, count: 32)
        pathSlot = .allocate(capacity: 32); pathSlot.initialize(repeating: 0, count: 32)
        pathCount = .allocate(capacity: 2)
        fillTLB = .allocate(capacity: 16 * 16)
        fillLevel = .allocate(capacity: 16 * 16); fillLevel.initialize(repeating: 0, count: 256)
        fillCount = .allocate(capacity: 16); fillCount.initialize(repeating: 0, count: 16)
        for w in 0..<2 {
            pathCount[w] = min(16, paths[w].count)
            for p in 0..<pathCount[w] {
                pathTLB[w * 16 + p] = paths[w][p].core
                pathLevel[w * 16 + p] = pathLevels[w][p]
                pathSlot[w * 16 + p] = pathIndex[w][p]
            }
            for (size, targets) in fills[w].enumerated() where size < 8 {
                let key = w * 8 + size
                fillCount[key] = min(16, targets.count)
                for (k, t) in targets.prefix(16).enumerated() {
                    (fillTLB + key * 16 + k).initialize(to: t.tlb.core)
                    fillLevel[key * 16 + k] = t.level
                }
            }
        }
        pwcCount = self.pageWalkCaches.count
        tlbCount = tlbs.count
        tlbCores = .allocate(capacity: max(1, tlbs.count))
        for (k, tlb) in tlbs.enumerated() { (tlbCores + k).initialize(to: tlb.core) }
        softwareTLB = processors.configuration.softwareTLB
        configuration = processors.configuration
        pkruStorage = .allocate(capacity: 1)
        pkruStorage.initialize(to: 0)
        privilegeStorage = .allocate(capacity: 1)
        privilegeStorage.initialize(to: .supervisor)
        levelCostVersion = .allocate(capacity: 1)
        levelCostVersion.initialize(to: .max)
        refillFailure = .allocate(capacity: 1)
        refillFailure.initialize(to: nil)
        pwcTLB = .allocate(capacity: max(1, pwcCount))
        pwcLevel = .allocate(capacity: max(1, pwcCount))
        for (k, cache) in self.pageWalkCaches.enumerated() {
            (pwcTLB + k).initialize(to: cache.core)
            pwcLevel[k] = pageWalkCacheLevels[k]
        }
        sizeOfIndex = .allocate(capacity: 8); sizeOfIndex.initialize(repeating: 0, count: 8)
        for (k, size) in sizes.enumerated() where k < 8 { sizeOfIndex[k] = size }
        sizeIndexOf = .allocate(capacity: mode.levels)
        for (level, k) in sizeIndexOfLevel.enumerated() { sizeIndexOf[level] = k }
    }

    deinit {
        stats.deallocate()
        scratch.release()
        levelCost.deallocate(); pathTLB.deallocate(); pathLevel.deallocate(); pathSlot.deallocate()
        pathCount.deallocate(); fillTLB.deallocate(); fillLevel.deallocate(); fillCount.deallocate()
        pwcTLB.deallocate(); pwcLevel.deallocate(); tlbCores.deallocate(); sizeOfIndex.deallocate(); sizeIndexOf.deallocate()
        refillFailure.deinitialize(count: 1); refillFailure.deallocate(); pkruStorage.deallocate()
        privilegeStorage.deallocate(); levelCostVersion.deallocate()
    }

    /// Copies `costs.tlbHit` into `levelCost` (level number → cycles).
    /// (Only when the costs changed since the last refresh: this runs before every access.)
    @inline(__always)
    func refreshCosts() {
        let version = costsVersion.pointee
        guard levelCostVersion.pointee != version else { return }
        levelCostVersion.pointee = version
        let list = costs.pointee.tlbHit
        for level in 0...16 { levelCost[level] = list.isEmpty || level == 0 ? 0 : list[min(level, list.count) - 1] }
    }

    /// Counters of this CPU.
    public var statistics: CPUStats { stats.pointee }

    /// The x86 PKRU register (see `ProtectionKeys`): two bits per protection key, checked on
    /// every data access to a user page. Writing it (WRPKRU) flushes nothing. 0 allows all.
    public var pkru: UInt32 {
        get { pkruStorage.pointee }
        set { pkruStorage.pointee = newValue }
    }

    /// Sets this CPU's counters (not its structures') to zero.
    public func resetStats() { stats.pointee = CPUStats() }

    /// The TLB structure of this CPU named `name`.
    public func tlb(named name: String) throws(VMError) -> TLB {
        guard let found = tlbs.first(where: { $0.name == name }) else {
            throw .unknownTLB(name: name, known: tlbs.map(\.name) + pageWalkCaches.map(\.name))
        }
        return found
    }

    /// Where a result was found: the TLB structure's name, `"walk"` or `"fault"`.
    public func source(of result: MMUResult) -> String {
        if result.fault != nil { return "fault" }
        if result.refilled { return "refill" }
        if result.tlbIndex >= 0 && result.tlbIndex < tlbs.count { return tlbs[result.tlbIndex].name }
        return "walk"
    }

    /// Cycles of a hit at level `level` (1-based): `costs.tlbHit[level − 1]`, the last element
    /// for deeper levels, 0 when the list is empty.
    @inline(__always)
    func hitCost(_ level: Int) -> Int {
        let list = machine.costStorage.pointee.tlbHit
        if list.isEmpty || level < 1 { return 0 }
        return list[min(level, list.count) - 1]
    }

    // MARK: context switch

    /// Makes `space` the current address space (loads CR3/satp). See `Processors` for the flush
    /// and ASID rules. Switching to the current space does nothing unless `flushGlobal` is set,
    /// which also drops global entries. Throws `released` for a released space.
    public func switchTo(_ space: PageTable, flushGlobal: Bool = false) throws(VMError) {
        guard space.isLive else { throw .released }
        guard space.machine === machine else {
            throw .invalidConfiguration(what: "context switch", reason: "the address space belongs to another machine")
        }
        if space === self.space && !flushGlobal { return }
        let p = processors
        p.stats.contextSwitches += 1
        stats.pointee.contextSwitches += 1
        let cost = machine.costs.contextSwitch
        stats.pointee.cycles += cost
        machine.counters.cycles += cost
        if flushGlobal { flushAll() }
        let bit = UInt64(1) << UInt64(index)
        if p.configuration.pcid {
            p.assignASID(space, switching: self)
            if flushedGeneration != p.generation {
                flushNonGlobal()
                flushedGeneration = p.generation
            }
            currentTag = space.asid | (privilege == .user && p.configuration.kpti ? userTagBit : 0)
        } else {
            if let old = self.space { old.cpuMask &= ~bit }
            flush(asid: index)
            currentTag = index
        }
        if p.configuration.kpti { try space.enableKPTI() }
        space.cpuMask |= bit
        self.space = space
    }

    /// Under KPTI with PCIDs, the bit that tells a space's user-mode entries (walked from its
    /// user root) from its kernel-mode ones: 2^asidBits (Linux uses PCID bit 11 alike).
    var userTagBit: Int { 1 << configuration.asidBits }

    /// Calls `body` with each tag this CPU's entries of `space` carry (none when it holds
    /// none), without building a list: it runs at every eviction's shootdown.
    @inline(__always)
    func forEachTag(of space: PageTable, _ body: (Int) -> Void) {
        if configuration.pcid {
            if space.asidGeneration == 0 { return }
            body(space.asid)
            if configuration.kpti { body(space.asid | userTagBit) }
        } else if spaceReference?.toOpaque() == Unmanaged.passUnretained(space).toOpaque() {   // runs it
            body(index)
        }
    }

    /// Runs at `privilege` from now on. Under KPTI a change of privilege loads the other root
    /// (a kernel entry or a return to user mode): it costs `costs.kptiSwitch` and, without
    /// PCIDs, flushes this CPU's non-global entries as any CR3 write does; with PCIDs the user
    /// and kernel entries carry different tags and both survive.
    @inline(__always)
    public func enter(_ privilege: Privilege) {
        guard privilege != privilegeStorage.pointee else { return }
        privilegeStorage.pointee = privilege
        switchPrivilege(privilege)
    }

    /// The root switch of `enter` (KPTI), out of the per-access path.
    @inline(never)
    func switchPrivilege(_ privilege: Privilege) {
        let p = processors
        guard p.configuration.kpti, let space else { return }
        stats.pointee.kptiSwitches += 1
        let cost = machine.costs.kptiSwitch
        stats.pointee.cycles += cost
        machine.counters.cycles += cost
        if p.configuration.pcid {
            currentTag = space.asid | (privilege == .user ? userTagBit : 0)
        } else {
            flush(asid: index)
        }
    }

    // MARK: invalidation

    // Every operation below touches only this CPU's VMID's entries of a structure shared with
    // guests (a guest's INVLPG or flush never reaches the host's entries, nor the host's a guest's).

    /// invlpg: drops the entries for `va` tagged `asid` (and global ones) from every structure
    /// of this CPU, and the page-walk-cache entries tagged `asid` (x86 INVLPG drops all of them).
    public func invlpg(_ va: UInt64, asid: Int) {
        let tag = UInt32(truncatingIfNeeded: asid | vmidTag)
        for k in 0..<tlbCount { _ = tlbCores[k].pointee.invalidate(va, tag: tag) }
        flushPageWalkCaches(tag)
    }

    /// Drops the page-walk-cache entries tagged `tag` (x86 INVLPG drops all of them).
    @inline(__always)
    func flushPageWalkCaches(_ tag: UInt32) {
        for k in 0..<pwcCount { pwcTLB[k].pointee.flush(asid: tag) }
    }

    /// Drops every entry (global ones too) of every structure and page-walk cache.
    public func flushAll() {
        stats.pointee.flushes += 1
        for tlb in tlbs { tlb.flush(vmid: vmid, global: true) }
        for cache in pageWalkCaches { cache.flush(vmid: vmid, global: true) }
    }

    /// Drops the non-global entries tagged `asid`.
    public func flush(asid: Int) {
        stats.pointee.flushes += 1
        let tag = UInt32(truncatingIfNeeded: asid | vmidTag)
        for k in 0..<tlbCount { tlbCores[k].pointee.flush(asid: tag) }
        flushPageWalkCaches(tag)
    }

    /// Drops every non-global entry, whatever its tag.
    public func flushNonGlobal() {
        stats.pointee.flushes += 1
        for tlb in tlbs { tlb.flush(vmid: vmid, global: false) }
        for cache in pageWalkCaches { cache.flush(vmid: vmid, global: false) }
    }

    /// Invalidates `[va, va + length)` of `space` here: one `invlpg` per base page, or a flush
    /// of the space's tag when there are more than `flushCeiling` pages.
    func invalidate(_ space: PageTable, va: UInt64, length: UInt64) {
        forEachTag(of: space) { invalidate(va: va, length: length, tag: $0) }
    }

    /// `invalidate` for the entries tagged `tag`.
    func invalidate(va: UInt64, length: UInt64, tag: Int) {
        let pageBytes = basePageBytes
        let pages = (length + pageBytes - 1) / pageBytes
        if pages > UInt64(configuration.flushCeiling) {
            flush(asid: tag)
            return
        }
        let tagged = UInt32(truncatingIfNeeded: tag | vmidTag)
        var address = va
        for _ in 0..<pages {
            for k in 0..<tlbCount { _ = tlbCores[k].pointee.invalidate(address, tag: tagged) }
            address &+= pageBytes
        }
        flushPageWalkCaches(tagged)
    }

    // MARK: the MMU pipeline

    /// Translates one access of the current space through TLBs, page-walk caches and the walker.
    /// Faults are returned in the result (not thrown); throws only when no space is current.
    public func access(_ va: UInt64, _ kind: AccessKind = .read, privilege: Privilege = .user) throws(VMError) -> MMUResult {
        var r = MMUResult()
        try access(va, kind, privilege: privilege, into: &r)
        return r
    }

    /// `access`, writing the result into `r` (the kernel's `lastAccess`: no copy of the result
    /// per access).
    func access(_ va: UInt64, _ kind: AccessKind, privilege: Privilege, into r: inout MMUResult) throws(VMError) {
        guard let reference = spaceReference else { throw .noAddressSpace(cpu: index) }
        refreshCosts()
        enter(privilege)
        let tag = UInt32(truncatingIfNeeded: currentTag | vmidTag)
        if softwareTLB {
            // A refill handler may switch this CPU away and let the space go: hold it to the end.
            // (Only here: a retain and release per access cost the kernel's hit path 15 instructions.)
            let space = reference.takeUnretainedValue()
            translate(va, kind, privilege, space, root: space.root(for: privilege), tag: tag,
                      pkru: pkruStorage.pointee, from: 0, cycles: 0, level: 0, into: &r)
            withExtendedLifetime(space) {}
        } else {
            reference._withUnsafeGuaranteedRef { space in
                translate(va, kind, privilege, space, root: space.root(for: privilege), tag: tag,
                          pkru: pkruStorage.pointee, from: 0, cycles: 0, level: 0, into: &r)
            }
        }
        try throwRefillFailure()
        let s = stats
        s.pointee.accesses += 1
        s.pointee.cycles += r.cycles
        if r.tlbLevel > 0 { s.pointee.tlbHits += 1 } else { s.pointee.walks += 1 }
        if r.pageWalkCacheLevel >= 0 { s.pointee.pageWalkCacheHits += 1 }
        if r.fault != nil { s.pointee.faults += 1 }
        machineCounters.pointee.accesses &+= 1
        machineCounters.pointee.cycles &+= r.cycles &- r.references &* costs.pointee.memoryReference
    }

    /// The pipeline from path position `start` on, for entries tagged `tag` (passed in: reading
    /// the `currentTag` property here would cost an exclusivity check per access), with `cycles`
    /// already spent and level `level` already charged. Updates structure stats, not CPU or machine access counters.
    @inline(never)
    func translate(_ va: UInt64, _ kind: AccessKind, _ privilege: Privilege, _ space: PageTable, root: UInt64,
                   tag: UInt32, pkru: UInt32, from start: Int, cycles startCycles: Int, level startLevel: Int, into r: inout MMUResult) {
        pipeline(va, kind, privilege, space, root: root, tag: tag, pkru: pkru, from: start, cycles: startCycles, level: startLevel, into: &r)
    }

    /// The body of `translate`, inlined there and in `runMisses` (the batch's miss path).
    @inline(__always)
    func pipeline(_ va: UInt64, _ kind: AccessKind, _ privilege: Privilege, _ space: PageTable, root: UInt64,
                  tag: UInt32, pkru: UInt32, from start: Int, cycles startCycles: Int, level startLevel: Int, into r: inout MMUResult) {
        r = MMUResult()
        let need = TLBMeta.need(kind, privilege)
        let which = kind == .execute ? 1 : 0
        let first = which &* 16
        let count = pathCount[which]
        var cycles = startCycles
        var current = startLevel
        var p = start
        while p < count {
            let level = pathLevel[first &+ p]
            if level != current { cycles &+= levelCost[level]; current = level }
            let tlb = pathTLB[first &+ p]
            let i = tlb.pointee.lookup(va, tag: tag, need: need, dropDenied: true)
            if i >= 0 {
                let meta = tlb.pointee.metas[i], base = tlb.pointee.bases[i]
                let sizeIndex = Int((meta & TLBMeta.sizeMask) >> TLBMeta.sizeShift)
                let size = sizeOfIndex[sizeIndex]
                if pkru != 0 && keyDenies(pkru, meta: meta, kind) {   // found in the TLB, denied by PKRU
                    r.tlbIndex = pathSlot[first &+ p]
                    r.tlbLevel = level
                    r.cycles = cycles
                    r.fault = keyFault(va, kind, privilege, space, meta: meta, pageBytes: size)
                    return
                }
                r.physicalAddress = base | (va & (size &- 1))
                r.pageBytes = size
                let key = which &* 8 &+ sizeIndex
                for k in 0..<fillCount[key] where fillLevel[key &* 16 &+ k] < level {
                    fillTLB[key &* 16 &+ k].pointee.insert(va, sizeIndex: sizeIndex, base: base, flags: meta, tag: tag)
                }
                r.tlbIndex = pathSlot[first &+ p]
                r.tlbLevel = level
                r.cycles = cycles
                return
            }
            p &+= 1
        }
        if softwareTLB {
            refill(va, kind, privilege, space, root: root, tag: tag, pkru: pkru, cycles: cycles, into: &r)
            return
        }
        if space.hashedTable != nil {
            searchTable(va, kind, privilege, space, tag: tag, pkru: pkru, cycles: cycles, into: &r)
            return
        }
        // Page-walk caches, deepest level first.
        var startAt = 0
        var table = root
        var inherited = WalkPermissions.root
        var q = pwcCount &- 1
        while q >= 0 {
            let cache = pwcTLB[q]
            let i = cache.pointee.lookup(va, tag: tag, need: 0)
            if i >= 0 {
                let meta = cache.pointee.metas[i]
                table = cache.pointee.bases[i]
                inherited = (meta & TLBMeta.writable != 0 ? WalkPermissions.writable : 0)
                    | (meta & TLBMeta.user != 0 ? WalkPermissions.user : 0)
                    | (meta & TLBMeta.executable == 0 ? WalkPermissions.noExecute : 0)
                let level = pwcLevel[q]
                startAt = level &+ 1
                cycles &+= costs.pointee.pageWalkCacheHit
                r.pageWalkCacheLevel = level
                break
            }
            q &-= 1
        }
        let t = space.resolveForMMU(va, kind, privilege, start: startAt, table: table, inherited: inherited, scratch: scratch, pkru: pkru)
        var fillLevel = t.level   // the level whose page size the TLB caches (a guest's may be smaller: splintering)
        r.references = t.references
        cycles &+= t.references &* costs.pointee.memoryReference
        if machine.memory.isGuestMemory {   // a guest's CPU: the EPT side
            fillLevel = walkSecondDimension(t, va, kind, space, start: startAt, table: table, references: &r.references, cycles: &cycles)
        }
        r.cycles = cycles
        if t.fault != nil {
            r.fault = t.fault
            return
        }
        r.physicalAddress = t.physicalAddress
        let sizeIndex = sizeIndexOf[fillLevel]
        let pageBytes = sizeOfIndex[sizeIndex]
        r.pageBytes = pageBytes
        let flags = scratch.leafFlags.pointee
        let base = t.physicalAddress & ~(pageBytes &- 1)
        let key = which &* 8 &+ sizeIndex
        for k in 0..<fillCount[key] {
            fillTLB[key &* 16 &+ k].pointee.insert(va, sizeIndex: sizeIndex, base: base, flags: flags, tag: tag)
        }
        for k in 0..<pwcCount {
            let level = pwcLevel[k]
            if level >= startAt && level < t.level {
                let perms = scratch.permissions[level]
                let cacheFlags = (perms & WalkPermissions.writable != 0 ? TLBMeta.writable : 0)
                    | (perms & WalkPermissions.user != 0 ? TLBMeta.user : 0)
                    | (perms & WalkPermissions.noExecute == 0 ? TLBMeta.executable : 0) | TLBMeta.readable
                let tableAddress = scratch.tables[level]
                pwcTLB[k].pointee.insert(va, sizeIndex: 0, base: tableAddress, flags: cacheFlags, tag: tag)
            }
        }
    }

    /// The EPT side of a guest CPU's walk (GuestBacking+NestedMMU.swift): the level whose page
    /// size the TLB caches. Out of `translate`'s line, so that a host walk does not retain the backing.
    @inline(never)
    func walkSecondDimension(_ t: Translation, _ va: UInt64, _ kind: AccessKind, _ space: PageTable, start: Int, table: UInt64,
                             references: inout Int, cycles: inout Int) -> Int {
        guard let guest = machine.memory.guestBacking else { return t.level }
        return guest.walkSecondDimension(t, va, kind, space, start: start, table: table, scratch: scratch,
                                         guestCounters: machine.counters, references: &references, cycles: &cycles)
    }

    /// Translates a buffer of accesses of the current space (the first byte of each; split
    /// page-crossing accesses beforehand with `PageSplitter`). Faults are counted, not handled.
    /// No allocation per access. Updates CPU, structure and machine counters.
    public func run(_ accesses: UnsafeBufferPointer<Access>, privilege: Privilege = .user) throws(VMError) -> RunSummary {
        guard let space else { throw .noAddressSpace(cpu: index) }
        guard space.isLive else { throw .released }
        refreshCosts()
        enter(privilege)
        let tag = UInt32(truncatingIfNeeded: currentTag | vmidTag)
        var miss = RunMissState(space: Unmanaged.passUnretained(space), root: space.root(for: privilege), tag: tag, pkru: pkruStorage.pointee,
                                privilege: privilege, memoryReference: costs.pointee.memoryReference)
        // The first level of each path, looked up here without leaving the loop; nil when the
        // path is empty or a non-zero PKRU needs `translate`'s key check on every hit.
        let shortcut = miss.pkru == 0
        let dataLevel = pathCount[0] > 0 ? pathLevel[0] : 0, instrLevel = pathCount[1] > 0 ? pathLevel[16] : 0
        let first = FirstLevel(data: shortcut && pathCount[0] > 0 ? pathTLB[0] : nil,
                               instruction: shortcut && pathCount[1] > 0 ? pathTLB[16] : nil,
                               dataCost: levelCost[dataLevel], instructionCost: levelCost[instrLevel],
                               dataLevel: dataLevel, instructionLevel: instrLevel,
                               userBit: privilege == .user ? TLBMeta.user : 0)
        var firstLevelHits = 0
        var firstLevelCycles = 0
        var next = 0
        let count = accesses.count
        while next < count {
            let a = accesses[next]
            next &+= 1
            let kind = a.kind
            let fetch = kind == .execute
            if let structure = fetch ? first.instruction : first.data,
               structure.pointee.lookup(a.address, tag: tag, need: first.need(kind), dropDenied: true) >= 0 {
                firstLevelHits &+= 1
                firstLevelCycles &+= fetch ? first.instructionCost : first.dataCost
                continue
            }
            next = runMisses(accesses, from: next &- 1, first, &miss)
        }
        withExtendedLifetime(space) {}   // `miss` holds it unowned, whatever a refill handler switches to
        let processed = miss.stopped ?? count
        var summary = miss.summary
        summary.accesses = processed
        summary.tlbHits &+= firstLevelHits &+ miss.firstLevelHits
        summary.cycles = miss.cycles &+ firstLevelCycles &+ miss.firstLevelCycles
        let s = stats
        s.pointee.accesses &+= summary.accesses
        s.pointee.cycles &+= summary.cycles
        s.pointee.tlbHits &+= summary.tlbHits
        s.pointee.walks &+= summary.walks
        s.pointee.pageWalkCacheHits &+= summary.pageWalkCacheHits
        s.pointee.faults &+= summary.faults
        let counters = machine.counters
        counters.accesses &+= summary.accesses
        counters.cycles &+= summary.cycles &- miss.referenceCycles
        try throwRefillFailure()
        return summary
    }

    /// The first TLB level of `run`'s two paths (nil: looked up by `translate`), with its cost.
    struct FirstLevel {
        let data: UnsafeMutablePointer<TLBCore>?
        let instruction: UnsafeMutablePointer<TLBCore>?
        let dataCost: Int
        let instructionCost: Int
        let dataLevel: Int
        let instructionLevel: Int
        let userBit: UInt32

        /// The TLBMeta bits an access of `kind` needs of an entry.
        @inline(__always)
        func need(_ kind: AccessKind) -> UInt32 { TLBMeta.need(kind) | userBit }
    }

    /// What `run` keeps for the accesses that miss the first level, apart from its loop of hits.
    struct RunMissState {
        /// The space `run` holds (unmanaged: `runMisses` borrows it for its whole loop, where an
        /// `unowned(unsafe)` reference was retained and released at every access).
        let space: Unmanaged<PageTable>
        let root: UInt64
        let tag: UInt32
        let pkru: UInt32
        let privilege: Privilege
        let memoryReference: Int
        var summary = RunSummary()
        var cycles = 0
        var referenceCycles = 0
        var firstLevelHits = 0
        var firstLevelCycles = 0
        /// The number of accesses processed when a software refill failed (the batch stops there).
        var stopped: Int?
        var result = MMUResult()
    }

    /// `run` from `accesses[start]`, whose first-level lookup missed, through the rest of the
    /// pipeline, and on over the accesses after it while they miss too. Returns the index to go on
    /// from: after the first access that hits the first level (counted here), or the end. Out of
    /// line, so that `run`'s loop of first-level hits keeps its few variables in registers, and
    /// looping itself, so that a batch of misses pays one call, not one per access.
    @inline(never)
    func runMisses(_ accesses: UnsafeBufferPointer<Access>, from start: Int, _ first: FirstLevel, _ state: inout RunMissState) -> Int {
        state.space._withUnsafeGuaranteedRef { space in runMisses(accesses, from: start, first, &state, space) }
    }

    /// `runMisses` with `state.space` borrowed as `space`.
    @inline(__always)
    func runMisses(_ accesses: UnsafeBufferPointer<Access>, from start: Int, _ first: FirstLevel, _ state: inout RunMissState,
                   _ space: PageTable) -> Int {
        let tag = state.tag, count = accesses.count
        var index = start
        var lookedUp = true   // the first level of accesses[start] missed in `run`
        while index < count {
            let a = accesses[index]
            let va = a.address, kind = a.kind
            let fetch = kind == .execute
            var from = 0, spent = 0, charged = 0
            if let structure = fetch ? first.instruction : first.data {
                if !lookedUp && structure.pointee.lookup(va, tag: tag, need: first.need(kind), dropDenied: true) >= 0 {
                    state.firstLevelHits &+= 1
                    state.firstLevelCycles &+= fetch ? first.instructionCost : first.dataCost
                    return index &+ 1
                }
                from = 1
                spent = fetch ? first.instructionCost : first.dataCost
                charged = fetch ? first.instructionLevel : first.dataLevel
            }
            lookedUp = false
            pipeline(va, kind, state.privilege, space, root: state.root, tag: tag, pkru: state.pkru,
                     from: from, cycles: spent, level: charged, into: &state.result)
            index &+= 1
            state.summary.add(state.result)
            state.cycles &+= state.result.cycles
            state.referenceCycles &+= state.result.references &* state.memoryReference
            if softwareTLB && refillFailure.pointee != nil {
                state.stopped = index
                return count
            }
        }
        return count
    }

    /// `run` over an array.
    public func run(_ accesses: [Access], privilege: Privilege = .user) throws(VMError) -> RunSummary {
        var result: Result<RunSummary, VMError> = .success(RunSummary())
        accesses.withUnsafeBufferPointer { buffer in
            do throws(VMError) { result = .success(try run(buffer, privilege: privilege)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
}

extension RunSummary {
    @inline(__always)
    mutating func add(_ r: MMUResult) {
        if r.tlbLevel > 0 { tlbHits &+= 1 } else { walks &+= 1 }
        if r.pageWalkCacheLevel >= 0 { pageWalkCacheHits &+= 1 }
        if let fault = r.fault {
            faults &+= 1
            if firstFault == nil { firstFault = fault }
        }
    }
}

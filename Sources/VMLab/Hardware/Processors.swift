/// Machine-wide counters of the translation hardware.
public struct ProcessorStats: Sendable, Equatable {
    /// Shootdown rounds that sent at least one IPI.
    public var shootdowns = 0
    /// IPIs sent (one per target CPU per round).
    public var ipis = 0
    /// Context switches (to a different space).
    public var contextSwitches = 0
    /// ASID generation rollovers (PCID mode).
    public var asidRollovers = 0

    public init() {}
}

/// The CPUs of a machine and what they share: shared TLB structures, the ASID allocator and
/// the shootdown machinery. Get it from `Machine.processors` / `Machine.configureProcessors`.
///
/// **Context switch** (`CPU.switchTo`), costing `costs.contextSwitch`:
/// - PCIDs off: the CPU's non-global entries (private structures, page-walk caches, and its
///   entries in shared structures) are flushed; entries are tagged with the CPU number so a
///   shared structure never mixes CPUs. The CPU leaves the old space's `cpuMask`.
/// - PCIDs on: ASIDs `1 … 2^asidBits − 1` are handed out machine-wide, in increasing order, to
///   spaces as they first run in the current *generation* (0 is never used). A space keeps its
///   ASID while its generation is current, so its entries survive switches. When no ASID is
///   free, a **rollover** starts a new generation: every ASID is free again except those of the
///   spaces running on the *other* CPUs (they keep theirs), shared structures drop their
///   non-global entries, and each CPU drops its own non-global entries (TLBs and page-walk
///   caches) at its next switch — the switching CPU at once. Example, asidBits = 2 (ASIDs
///   1, 2, 3), one CPU, processes P0…P4 round-robin: P0→1, P1→2, P2→3, P3 rolls over (flush) →1,
///   P4→2, P0→3, P1 rolls over →1, …: a rollover (and a flush) every third switch from the 4th.
/// - Global entries survive both, unless `flushGlobal` is asked for.
///
/// **Shootdowns**: a change to a space's mappings (`PageTable.unmap`/`protect` call
/// `mappingsChanged`) invalidates the range locally on `kernelCPU` when that CPU is in the
/// space's `cpuMask`, and sends one IPI to every other CPU of the mask (costs
/// `interProcessorInterrupt` cycles each, charged to the initiator). Inside `batch { }` (or
/// `beginBatch`/`endBatch`) the remote invalidations are collected and one round is sent at the
/// end: one IPI per CPU in the union of the masks. A CPU invalidates a range page by page
/// (`invlpg`) when it spans at most `flushCeiling` base pages, else flushes the ASID; either way
/// its page-walk-cache entries of that ASID are dropped (as INVLPG does on x86), so a freed
/// table is never reached through a stale entry.
///
/// **VMIDs.** A guest's virtual CPUs may share the TLB structures and page-walk caches of the
/// host's CPUs (`sharesHostTLBs`: virtual CPU i runs on host CPU i): their entries carry the
/// guest's `vmid` (see `TLB`), so host and guests compete for entries but a VM switch needs no
/// flush, and every flush, invalidation and ASID rollover of one VM leaves the others' entries.
/// The host hands out VMIDs (`allocateVMID`, 1 … 4095) and takes a guest's entries back with its
/// VMID (`releaseVMID`).
///
/// **KPTI** (`kpti`): see `PageTable+KPTI.swift` and `CPU.enter`. **Software-managed TLB**
/// (`softwareTLB`): see `CPU+SoftwareTLB.swift`.
public final class Processors {
    /// The machine (owns this object).
    public unowned let machine: Machine
    /// The configuration, with `tlb` resolved (never nil).
    public let configuration: ProcessorConfiguration
    /// The CPUs, index 0 first.
    public private(set) var cpus: [CPU] = []
    /// Structures shared by all CPUs.
    public private(set) var sharedTLBs: [TLB] = []
    /// The CPU on which kernel code that changes mappings runs (initiator of shootdowns).
    public internal(set) var kernelCPU = 0
    /// Current ASID generation.
    public internal(set) var generation: UInt64
    /// Counters.
    public internal(set) var stats = ProcessorStats()
    /// The refill handler of a software-managed TLB, or nil for the built-in one (see
    /// `CPU+SoftwareTLB.swift`).
    public var refillHandler: ((TLBMiss) -> TLBRefillOutcome)?
    /// Refill handlers running now: a translation is half done, so the machine refuses a
    /// snapshot restore (`Machine.restore`) until they return.
    var refilling = 0

    var asidUsed: [Bool]
    /// The VMID of a guest's processors (0 for a host's).
    public let vmid: Int
    /// True when the CPUs use the host CPUs' structures (a guest's, see the type's documentation).
    public let sharesHostTLBs: Bool
    /// VMIDs handed to guests of this (host) machine.
    var vmidsInUse: Set<Int> = []
    var nextASID = 1
    var batchDepth = 0
    var pending: [(space: PageTable, va: UInt64, length: UInt64)] = []
    var pendingMask: UInt64 = 0
    var pendingInitiator = 0

    /// Highest ASID (2^asidBits − 1).
    public var maxASID: Int { (1 << configuration.asidBits) - 1 }

    /// The processors of `machine`; a guest's borrow the structures of `host`'s CPUs (one host
    /// CPU per virtual CPU, same TLB and page-walk-cache configuration) and tag with `vmid`.
    init(machine: Machine, validated configuration: ProcessorConfiguration, borrowing host: Processors? = nil, vmid: Int = 0) {
        self.machine = machine
        self.vmid = vmid
        self.sharesHostTLBs = host != nil
        let mode = machine.mode
        var config = configuration
        let levels = config.tlb ?? ProcessorConfiguration.defaultTLB(mode: mode)
        config.tlb = levels
        self.configuration = config
        machine.asidGenerationBase += 1
        generation = machine.asidGenerationBase
        asidUsed = Array(repeating: false, count: 1 << config.asidBits)
        asidUsed[0] = true
        let sizes = mode.supportedPageSizes
        func held(_ c: TLBLevelConfiguration) -> [(sizeIndex: Int, shift: Int)] {
            let wanted = c.pageSizes.isEmpty ? sizes : c.pageSizes
            return sizes.enumerated().filter { wanted.contains($0.element) }
                .map { (sizeIndex: $0.offset, shift: $0.element.trailingZeroBitCount) }
        }
        func seed(_ cpu: Int, _ structure: Int) -> UInt64 {
            machine.seed ^ (UInt64(cpu + 2) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(structure + 1) &* 0xBF58_476D_1CE4_E5B9)
        }
        var shared: [Int: TLB] = [:]
        for (i, c) in levels.enumerated() where c.shared && host == nil {
            shared[i] = TLB(name: c.name, entries: c.entries, ways: c.ways, replacement: c.replacement, kind: c.kind,
                            held: held(c), shared: true, cpu: -1, pageWalkCache: false,
                            frameBits: mode.pageBits, seed: seed(-1, i))
        }
        sharedTLBs = host?.sharedTLBs ?? levels.indices.compactMap { shared[$0] }
        for cpu in 0..<config.cpus {
            if let host {
                let hostCPU = host.cpus[cpu]
                for structure in hostCPU.tlbs + hostCPU.pageWalkCaches { structure.tagsVMID = true }
                cpus.append(CPU(index: cpu, processors: self, tlbs: hostCPU.tlbs, levels: levels,
                                pageWalkCaches: Array(zip(hostCPU.pageWalkCacheLevels, hostCPU.pageWalkCaches))))
                continue
            }
            var tlbs: [TLB] = []
            for (i, c) in levels.enumerated() {
                tlbs.append(shared[i] ?? TLB(name: c.name, entries: c.entries, ways: c.ways, replacement: c.replacement,
                                             kind: c.kind, held: held(c), shared: false, cpu: cpu,
                                             pageWalkCache: false, frameBits: mode.pageBits, seed: seed(cpu, i)))
            }
            var pwcs: [(level: Int, cache: TLB)] = []
            if let p = config.pageWalkCache {
                for level in (p.levels ?? Array(0..<(mode.levels - 1))).sorted() {
                    let cache = TLB(name: "PWC \(mode.levelNames[level])", entries: p.entries, ways: p.ways,
                                    replacement: p.replacement, kind: .unified,
                                    held: [(sizeIndex: 0, shift: mode.indexShift(level: level))], shared: false, cpu: cpu,
                                    pageWalkCache: true, frameBits: mode.pageBits, seed: seed(cpu, 100 + level))
                    pwcs.append((level, cache))
                }
            }
            cpus.append(CPU(index: cpu, processors: self, tlbs: tlbs, levels: levels, pageWalkCaches: pwcs))
        }
    }

    /// Every TLB structure with that name: one per CPU for a private structure, one if shared.
    public func tlbs(named name: String) throws(VMError) -> [TLB] {
        let found = sharedTLBs.filter { $0.name == name } + cpus.flatMap { $0.tlbs.filter { !$0.isShared && $0.name == name } }
        guard !found.isEmpty else {
            throw .unknownTLB(name: name, known: (configuration.tlb ?? []).map(\.name))
        }
        return found
    }

    /// Sets the CPU that initiates shootdowns (where the kernel runs).
    public func setKernelCPU(_ index: Int) throws(VMError) {
        guard index >= 0, index < cpus.count else { throw .cpuOutOfRange(index: index, count: cpus.count) }
        kernelCPU = index
    }

    /// Runs `body` with `kernelCPU` set to `index` (mapping changes in it are initiated by that
    /// CPU), then restores it.
    public func onCPU<T>(_ index: Int, _ body: () throws(VMError) -> T) throws(VMError) -> T {
        let saved = kernelCPU
        try setKernelCPU(index)
        defer { kernelCPU = saved }
        return try body()
    }

    // MARK: ASIDs

    /// Gives `space` an ASID of the current generation (rolling over when none is free).
    func assignASID(_ space: PageTable, switching cpu: CPU) {
        if space.asidGeneration == generation { return }
        var found = freeASID()
        if found == nil {
            rollover(switching: cpu)
            if space.asidGeneration == generation { return }   // reserved: it runs on another CPU
            found = freeASID()
        }
        let asid = found ?? 1
        asidUsed[asid] = true
        space.asid = asid
        space.asidGeneration = generation
    }

    func freeASID() -> Int? {
        var a = nextASID
        while a <= maxASID {
            if !asidUsed[a] { nextASID = a + 1; return a }
            a += 1
        }
        return nil
    }

    /// Starts a new ASID generation (see the type's documentation).
    func rollover(switching cpu: CPU) {
        machine.asidGenerationBase += 1
        generation = machine.asidGenerationBase
        stats.asidRollovers += 1
        for i in asidUsed.indices { asidUsed[i] = false }
        asidUsed[0] = true
        nextASID = 1
        for other in cpus where other !== cpu {
            if let running = other.space {
                asidUsed[running.asid] = true
                running.asidGeneration = generation
            }
        }
        for tlb in sharedTLBs { tlb.flush(vmid: sharesHostTLBs ? vmid : 0, global: false) }
    }

    // MARK: VMIDs

    /// A VMID for a new guest of this machine: the lowest free one of 1 … `TLB.maxVMID`.
    func allocateVMID() throws(VMError) -> Int {
        guard let free = (1...TLB.maxVMID).first(where: { !vmidsInUse.contains($0) }) else {
            throw .invalidConfiguration(what: "guest", reason: "all \(TLB.maxVMID) VMIDs of this host are in use")
        }
        vmidsInUse.insert(free)
        return free
    }

    /// Frees a guest's VMID and drops its entries from every structure of this machine.
    func releaseVMID(_ vmid: Int) {
        guard vmidsInUse.remove(vmid) != nil else { return }
        var seen = Set<ObjectIdentifier>()
        for cpu in cpus {
            for structure in cpu.tlbs + cpu.pageWalkCaches where structure.tagsVMID && seen.insert(ObjectIdentifier(structure)).inserted {
                structure.flush(vmid: vmid, global: true)
            }
        }
    }

    // MARK: shootdowns

    /// Called when the mappings of `[va, va + length)` in `space` changed: local invalidation on
    /// `kernelCPU`, IPIs to the other CPUs of the space's mask (deferred inside a batch).
    public func mappingsChanged(_ space: PageTable, va: UInt64, length: UInt64) {
        shootdown(space, va: va, length: length, initiator: kernelCPU)
    }

    /// Invalidates `[va, va + length)` of `space` on every CPU that may cache it: locally on
    /// `initiator`, by IPI on the others (one round, or deferred to the end of a batch).
    public func shootdown(_ space: PageTable, va: UInt64, length: UInt64, initiator: Int) {
        let mask = space.cpuMask
        if mask == 0 { return }
        let me = initiator >= 0 && initiator < cpus.count ? initiator : kernelCPU
        let myBit = UInt64(1) << UInt64(me)
        if mask & myBit != 0 { cpus[me].invalidate(space, va: va, length: length) }
        let others = mask & ~myBit
        if others == 0 { return }
        if batchDepth > 0 {
            if pending.isEmpty { pendingInitiator = me }
            pending.append((space, va, length))
            pendingMask |= others
            return
        }
        sendRound(to: others, from: me) { cpu in cpu.invalidate(space, va: va, length: length) }
    }

    /// One shootdown round: an IPI to every CPU in `targets`, each running `handler`.
    func sendRound(to targets: UInt64, from initiator: Int, _ handler: (CPU) -> Void) {
        stats.shootdowns += 1
        let cost = machine.costs.interProcessorInterrupt
        let sender = cpus[initiator]
        for cpu in cpus where targets & (UInt64(1) << UInt64(cpu.index)) != 0 {
            stats.ipis += 1
            sender.stats.pointee.ipisSent += 1
            sender.stats.pointee.cycles += cost
            cpu.stats.pointee.ipisReceived += 1
            machine.counters.cycles += cost
            handler(cpu)
        }
    }

    /// Starts collecting remote invalidations (nests).
    public func beginBatch() { batchDepth += 1 }

    /// Ends a batch: at the outermost end, sends one shootdown round for everything collected.
    public func endBatch() {
        guard batchDepth > 0 else { return }
        batchDepth -= 1
        guard batchDepth == 0, pendingMask != 0 else { return }
        let work = pending, targets = pendingMask
        pending = []; pendingMask = 0
        sendRound(to: targets, from: pendingInitiator) { cpu in
            let bit = UInt64(1) << UInt64(cpu.index)
            for item in work where item.space.cpuMask & bit != 0 {
                cpu.invalidate(item.space, va: item.va, length: item.length)
            }
        }
    }

    /// Runs `body` as one batch: all its mapping changes cost one shootdown round.
    public func batch<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        beginBatch()
        defer { endBatch() }
        return try body()
    }

    /// Called as `space` is freed: no CPU may keep pointing at it.
    func forget(_ space: PageTable) {
        for cpu in cpus where cpu.space === space { cpu.space = nil }
        pending.removeAll { $0.space === space }
    }

    /// Called before `space` is released: drops its entries everywhere and leaves the CPUs that
    /// run it without an address space; its ASID becomes free.
    func released(_ space: PageTable) {
        for cpu in cpus where space.cpuMask & (UInt64(1) << UInt64(cpu.index)) != 0 {
            cpu.forEachTag(of: space) { cpu.flush(asid: $0) }
            if cpu.space === space { cpu.space = nil }
        }
        pending.removeAll { $0.space === space }
        if configuration.pcid && space.asidGeneration == generation { asidUsed[space.asid] = false }
        space.asidGeneration = 0
        space.cpuMask = 0
    }
}

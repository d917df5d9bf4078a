/// How a TLB set (or a page-walk-cache set) chooses the way to evict when every way is valid.
/// An invalid way is always used first (lowest way number).
/// - `lru`: the way used longest ago (a hit or a fill counts as a use).
/// - `plru`: tree pseudo-LRU: a binary tree of `ways − 1` bits per set; a use points every node
///   on the way's path away from it; the victim follows the bits from the root. Needs a
///   power-of-two number of ways.
/// - `fifo`: the way filled longest ago (hits do not count).
/// - `random`: a way drawn from the structure's `SeededGenerator` (seeded from the machine seed,
///   the CPU and the structure's position), so runs are reproducible.
public enum TLBReplacement: String, Sendable, CaseIterable, Equatable {
    case lru
    case plru
    case fifo
    case random

    /// Parses `lru`, `plru` (also `tree-plru`, `pseudo-lru`), `fifo`, `random`, ignoring case.
    public static func named(_ name: String) throws(VMError) -> TLBReplacement {
        switch name.lowercased() {
        case "lru": return .lru
        case "plru", "tree-plru", "treeplru", "pseudo-lru", "pseudolru": return .plru
        case "fifo": return .fifo
        case "random", "rand": return .random
        default:
            throw .unknownReplacement(name: name, suggestion: Units.suggestion(for: name.lowercased(),
                                                                              among: allCases.map(\.rawValue)))
        }
    }
}

/// Which accesses a TLB structure serves: instruction fetches, data loads/stores, or both.
public enum TLBKind: String, Sendable, CaseIterable, Equatable {
    case instruction
    case data
    case unified

    /// Parses `instruction`/`i`/`itlb`, `data`/`d`/`dtlb`, `unified`/`u`/`shared`, ignoring case.
    public static func named(_ name: String) throws(VMError) -> TLBKind {
        switch name.lowercased() {
        case "instruction", "i", "itlb", "inst", "code": return .instruction
        case "data", "d", "dtlb": return .data
        case "unified", "u", "both": return .unified
        default: throw .unknownTLBKind(name: name)
        }
    }

    /// True when this structure is looked up for an access of `kind`.
    public func serves(_ kind: AccessKind) -> Bool {
        switch self {
        case .unified: true
        case .instruction: kind == .execute
        case .data: kind != .execute
        }
    }
}

/// One TLB structure of the hierarchy.
///
/// **Set index.** `sets = entries / ways`. For every page size the structure holds, the VPN of
/// an address is `va >> log2(page size)` and its set is `VPN mod sets`. A structure holding
/// several sizes probes one set per size (smallest size first); an entry is tagged with its size.
///
/// **Levels.** The lookup path of an access kind is the configured structures that serve it, in
/// configuration order. Each gets a level number: `level` when given, else one more than the
/// previous structure on that path (the first is 1). Structures with the same level number are
/// alternatives probed one after the other at the same cost (e.g. separate 4 KiB and 2 MiB L1s).
public struct TLBLevelConfiguration: Sendable, Equatable {
    /// Name used in stats and dumps, unique in a machine (e.g. `"L1d"`).
    public var name: String
    /// Number of entries (> 0).
    public var entries: Int
    /// Associativity: 1 (direct-mapped) … `entries` (fully associative); must divide `entries`.
    /// 0 means fully associative.
    public var ways: Int
    /// Victim choice within a set.
    public var replacement: TLBReplacement
    /// Which accesses it serves.
    public var kind: TLBKind
    /// Page sizes it holds; empty = every page size of the paging mode.
    public var pageSizes: [UInt64]
    /// One structure shared by all CPUs (true) or one per CPU (false).
    public var shared: Bool
    /// Explicit level number (1 = L1), or nil for "previous on the path + 1".
    public var level: Int?

    public init(name: String, entries: Int, ways: Int = 0, replacement: TLBReplacement = .lru,
                kind: TLBKind = .unified, pageSizes: [UInt64] = [], shared: Bool = false, level: Int? = nil) {
        self.name = name; self.entries = entries; self.ways = ways; self.replacement = replacement
        self.kind = kind; self.pageSizes = pageSizes; self.shared = shared; self.level = level
    }

    /// Sets of the structure (after `ways` 0 is read as fully associative).
    public var sets: Int { entries / effectiveWays }
    /// `ways`, with 0 read as `entries`.
    public var effectiveWays: Int { ways == 0 ? entries : ways }
}

/// Page-walk (paging-structure) caches: one per upper level of the paging mode (for x86_64:
/// PML4E, PDPTE and PDE caches). Each caches (ASID, VA bits above that level's index shift) →
/// physical address of the next-level table and the permissions accumulated so far.
public struct PageWalkCacheConfiguration: Sendable, Equatable {
    /// Entries of each level's cache (> 0).
    public var entries: Int
    /// Ways (0 = fully associative); must divide `entries`.
    public var ways: Int
    /// Upper levels (0 = root) that have a cache; nil = every level above the last.
    public var levels: [Int]?
    /// Replacement within a set.
    public var replacement: TLBReplacement

    public init(entries: Int = 32, ways: Int = 4, levels: [Int]? = nil, replacement: TLBReplacement = .lru) {
        self.entries = entries; self.ways = ways; self.levels = levels; self.replacement = replacement
    }
}

/// The CPUs of a machine and their translation hardware.
public struct ProcessorConfiguration: Sendable, Equatable {
    /// Number of CPUs, 1 … 64.
    public var cpus: Int
    /// The TLB structures (see `TLBLevelConfiguration`); nil = `defaultTLB(mode:)`; empty = no TLB.
    public var tlb: [TLBLevelConfiguration]?
    /// Page-walk caches, or nil for none.
    public var pageWalkCache: PageWalkCacheConfiguration?
    /// Tag TLB entries with ASIDs/PCIDs (true) or flush on every context switch (false).
    public var pcid: Bool
    /// Width of an ASID, 1 … 16 bits (x86 PCID: 12; RISC-V Sv39: up to 16).
    public var asidBits: Int
    /// More pages than this in one invalidation flush the whole ASID instead of one `invlpg`
    /// per page (Linux's `tlb_single_page_flush_ceiling`, 33).
    public var flushCeiling: Int
    /// Kernel page-table isolation: every space gets a second, user-mode root without the
    /// kernel half, and each change of privilege loads the other root (see `CPU.enter`).
    public var kpti: Bool
    /// A software-managed TLB (MIPS-style): no hardware walker and no page-walk caches; a miss
    /// raises a refill exception whose handler writes the entry (see `CPU+SoftwareTLB.swift`).
    public var softwareTLB: Bool

    public init(cpus: Int = 1, tlb: [TLBLevelConfiguration]? = nil,
                pageWalkCache: PageWalkCacheConfiguration? = PageWalkCacheConfiguration(),
                pcid: Bool = false, asidBits: Int = 12, flushCeiling: Int = 33, kpti: Bool = false,
                softwareTLB: Bool = false) {
        self.cpus = cpus; self.tlb = tlb; self.pageWalkCache = pageWalkCache
        self.pcid = pcid; self.asidBits = asidBits; self.flushCeiling = flushCeiling; self.kpti = kpti
        self.softwareTLB = softwareTLB
    }

    /// A Skylake-like hierarchy: L1i 128 entries 8-way (base pages), L1d 64 entries 4-way (base
    /// pages), L1dH 32 entries 4-way (the next page size, e.g. 2 MiB, same level as L1d; absent when
    /// the mode has one size), L2 1536 entries 12-way (every size).
    public static func defaultTLB(mode: PagingMode) -> [TLBLevelConfiguration] {
        let sizes = mode.supportedPageSizes
        var levels = [
            TLBLevelConfiguration(name: "L1i", entries: 128, ways: 8, kind: .instruction, pageSizes: [sizes[0]]),
            TLBLevelConfiguration(name: "L1d", entries: 64, ways: 4, kind: .data, pageSizes: [sizes[0]]),
        ]
        if sizes.count > 1 {
            levels.append(TLBLevelConfiguration(name: "L1dH", entries: 32, ways: 4, kind: .data, pageSizes: [sizes[1]], level: 1))
        }
        levels.append(TLBLevelConfiguration(name: "L2", entries: 1536, ways: 12, kind: .unified))
        return levels
    }

    /// Checks every part against `mode`; throws `invalidConfiguration` naming the part.
    public func validate(mode: PagingMode) throws(VMError) {
        guard cpus >= 1, cpus <= 64 else {
            throw .invalidConfiguration(what: "CPU count", reason: "\(cpus) is outside 1...64")
        }
        guard asidBits >= 1, asidBits <= 16 else {
            throw .invalidConfiguration(what: "ASID width", reason: "asid_bits = \(asidBits) is outside 1...16")
        }
        if softwareTLB && pageWalkCache != nil {
            throw .invalidConfiguration(what: "software-managed TLB", reason: "it has no hardware walker, so no page-walk caches (pwc = false)")
        }
        if softwareTLB, let levels = tlb, levels.isEmpty {
            throw .invalidConfiguration(what: "software-managed TLB", reason: "it needs at least one TLB structure")
        }
        if kpti && pcid && asidBits > 15 {
            throw .invalidConfiguration(what: "ASID width",
                                        reason: "with KPTI and PCIDs the user tag takes one more bit: asid_bits must be at most 15")
        }
        guard flushCeiling >= 0 else {
            throw .invalidConfiguration(what: "flush ceiling", reason: "\(flushCeiling) is negative")
        }
        var names: [String] = []
        for level in tlb ?? [] {
            let what = "TLB '\(level.name)'"
            guard !level.name.isEmpty else { throw .invalidConfiguration(what: "TLB", reason: "a TLB needs a name") }
            guard !names.contains(level.name) else { throw .invalidConfiguration(what: what, reason: "the name is used twice") }
            names.append(level.name)
            try Self.checkGeometry(what: what, entries: level.entries, ways: level.ways, replacement: level.replacement)
            for size in level.pageSizes where mode.leafLevel(pageBytes: size) == nil {
                throw .unsupportedPageSize(bytes: size, mode: mode.name, supported: mode.supportedPageSizes)
            }
            if let number = level.level, number < 1 || number > 16 {
                throw .invalidConfiguration(what: what, reason: "level \(number) is outside 1...16")
            }
        }
        if let pwc = pageWalkCache {
            try Self.checkGeometry(what: "page-walk cache", entries: pwc.entries, ways: pwc.ways, replacement: pwc.replacement)
            for level in pwc.levels ?? [] where level < 0 || level >= mode.levels - 1 {
                throw .invalidConfiguration(what: "page-walk cache",
                                            reason: "level \(level) is not an upper level of \(mode.name) (0...\(mode.levels - 2))")
            }
        }
    }

    static func checkGeometry(what: String, entries: Int, ways: Int, replacement: TLBReplacement) throws(VMError) {
        guard entries > 0 else { throw .invalidConfiguration(what: what, reason: "entries must be at least 1 (got \(entries))") }
        guard entries <= 1 << 24 else { throw .invalidConfiguration(what: what, reason: "\(entries) entries is more than 16 M") }
        guard ways >= 0, ways <= entries else {
            throw .invalidConfiguration(what: what, reason: "ways = \(ways) is outside 1...\(entries) (entries)")
        }
        let w = ways == 0 ? entries : ways
        guard entries % w == 0 else {
            throw .invalidConfiguration(what: what, reason: "ways = \(w) does not divide entries = \(entries)")
        }
        if replacement == .plru && w & (w - 1) != 0 {
            throw .invalidConfiguration(what: what, reason: "tree-PLRU needs a power-of-two number of ways (got \(w))")
        }
    }
}

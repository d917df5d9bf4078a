/// A machine-wide inverted or hashed page table, in simulated RAM, shared by every address
/// space of the machine (each space is a *space id* in the entries' tags).
///
/// Inverted (`kind == .inverted`), one 24-byte entry per physical frame, then the alias pool,
/// then the hash anchor table:
/// ```
///   entry i  (at base + i × 24):  tag   = V(63) | space id(61..48) | VPN(47..0)
///                                  PTE   = the paging mode's leaf entry (PFN = i for i < frames)
///                                  next  = index + 1 of the next entry of the chain (0 = end)
///   anchor b (at anchors + b × 8): index + 1 of the first entry of the chain (0 = empty)
///   b = hash mod buckets,  hash = VPN XOR (space id × 0x9E3779B9)   (64-bit wrapping)
/// ```
/// A frame has one entry, so a frame mapped in a second space takes an entry of the alias
/// pool (entries frames…frames + aliases − 1, whose PTE names the shared frame) linked into the
/// chain like any other; when the pool is full, the mapping is refused.
///
/// Hashed (`kind == .hashed`, PowerPC), groups (PTEGs) of 8 entries of 16 bytes:
/// ```
///   entry    (at base + (group × 8 + slot) × 16):  tag = V(63) | H(62) | space id(61..48) | VPN(47..0)
///                                                   PTE = the paging mode's leaf entry
///   primary group = hash mod groups,  secondary group = (NOT hash) mod groups (H = 1)
/// ```
/// Insertion takes the first free slot of the primary group, then of the secondary. When both
/// are full, the PowerPC/Linux behaviour: a slot of the primary group chosen at random (seeded)
/// is evicted to the operating system's software overflow table (the role of Linux's own page
/// tables behind the hash table) and the new entry takes it. The MMU searches only the two
/// groups; a miss there is a fault the operating system serves from the overflow table
/// (reloading the entry, which may evict another), else a real page fault.
///
/// Both hold base pages only (no huge pages). The table is allocated at boot from the lowest
/// frames, so its size depends on the RAM only, never on how much virtual memory is used.
public final class HashedPageTable {
    /// Inverted or hashed.
    public let kind: PageTableKind
    unowned(unsafe) let machine: Machine
    let memory: PhysicalMemory
    let mode: PagingMode
    /// Physical address of entry 0.
    public let base: UInt64
    /// Bytes per entry (24 inverted, 16 hashed).
    public let entryBytes: UInt64
    /// Entries (inverted: frames + aliases; hashed: groups × 8).
    public let entryCount: Int
    /// Inverted: number of frame entries (the first `frameEntries` entries belong to frames).
    let frameEntries: Int
    /// Inverted: alias entries after the frame entries.
    public let aliasCount: Int
    /// Inverted: physical address of the hash anchor table (0 for hashed).
    public let anchorBase: UInt64
    /// Anchor entries (inverted) or groups (hashed); a power of two.
    public let bucketCount: Int
    /// First frame and number of frames the table occupies.
    public let firstFrame: UInt64
    public let frameCount: UInt64
    let bucketMask: UInt64
    let pageBits: UInt64
    let pteWidth: Int
    // Hot-path constants (no PagingMode access, whose arrays would be retained per search).
    let layout: PTELayout
    let leafLevel: Int
    let pageBytes: UInt64
    let vpnFieldMask: UInt64
    let frameFieldMask: UInt64
    let frameShift: UInt64
    /// Free alias entries (indices), lowest last so that `popLast` takes the lowest.
    var freeAliases: [Int]
    /// Hashed: translations evicted from full groups, by tag (without V/H) → PTE.
    var overflow: [UInt64: UInt64] = [:]
    /// Space ids in use (index = id; id 0 is never used).
    var spaceIDsInUse: [Bool] = [true]
    var random: SeededGenerator
    /// Counters (see `HashedPageTableStats`), in raw memory: no exclusivity check per search.
    let counts: UnsafeMutablePointer<HashedPageTableCounts>

    static let valid: UInt64 = 1 << 63
    static let secondary: UInt64 = 1 << 62
    static let idShift: UInt64 = 48
    static let vpnMask: UInt64 = (1 << 48) - 1
    static let maxSpaceID = (1 << 14) - 1
    static let hashMultiplier: UInt64 = 0x9E37_79B9
    static let groupEntries = 8

    /// Allocates the table (and anchor table) from the lowest frames of `machine`, which must
    /// have nothing allocated yet. Throws `invalidConfiguration` for bad sizes or modes,
    /// `outOfMemory` when the table does not fit.
    init(machine: Machine, configuration c: HashedPageTableConfiguration) throws(VMError) {
        let mode = machine.mode
        let what = "page_table"
        guard c.kind != .radix else { throw .invalidConfiguration(what: what, reason: "radix tables are per space, not a machine table") }
        guard mode.pageBytes >= 4096, mode.pteBytes >= 4 else {
            throw .invalidConfiguration(what: what, reason: "\(c.kind.rawValue) tables need a real paging mode (4 KiB pages or more), not \(mode.name)")
        }
        let frames = Int(machine.memory.frameCount)
        func powerOfTwo(_ value: Int?, _ name: String, default fallback: Int) throws(VMError) -> Int {
            guard let value else {
                var n = 1
                while n < fallback { n <<= 1 }
                return n
            }
            guard value >= 1, value <= 1 << 30, value & (value - 1) == 0 else {
                throw .invalidConfiguration(what: what, reason: "\(name) must be a power of two from 1 to 2^30, got \(value)")
            }
            return value
        }
        self.kind = c.kind
        self.machine = machine
        self.memory = machine.memory
        self.mode = mode
        self.pageBits = UInt64(mode.pageBits)
        self.pteWidth = mode.pteBytes
        self.layout = mode.layout
        self.leafLevel = mode.levels - 1
        self.pageBytes = mode.pageBytes
        self.vpnFieldMask = PTELayout.lowMask(mode.vaBits - mode.pageBits)
        self.frameFieldMask = PTELayout.lowMask(mode.layout.frameBits)
        self.frameShift = UInt64(mode.layout.frameShift)
        self.counts = .allocate(capacity: 1)
        self.counts.initialize(to: HashedPageTableCounts())
        switch c.kind {
        case .inverted:
            if c.groups != nil { throw .invalidConfiguration(what: what, reason: "groups is for hashed tables (inverted: buckets, aliases)") }
            let aliases = c.aliases ?? max(16, frames / 64)
            guard aliases >= 0, aliases <= 1 << 30 else {
                throw .invalidConfiguration(what: what, reason: "aliases must be 0…2^30, got \(aliases)")
            }
            bucketCount = try powerOfTwo(c.buckets, "buckets", default: frames)
            frameEntries = frames
            aliasCount = aliases
            entryCount = frames + aliases
            entryBytes = 24
        case .hashed, .radix:
            if c.buckets != nil || c.aliases != nil {
                throw .invalidConfiguration(what: what, reason: "buckets and aliases are for inverted tables (hashed: groups)")
            }
            bucketCount = try powerOfTwo(c.groups, "groups", default: max(1, frames / 4))
            frameEntries = 0
            aliasCount = 0
            entryCount = bucketCount * HashedPageTable.groupEntries
            entryBytes = 16
        }
        bucketMask = UInt64(bucketCount - 1)
        let entriesBytes = UInt64(entryCount) * entryBytes
        let anchorBytes: UInt64 = c.kind == .inverted ? UInt64(bucketCount) * 8 : 0
        let totalBytes = entriesBytes + anchorBytes
        frameCount = (totalBytes + mode.pageBytes - 1) >> pageBits
        guard frameCount < UInt64(frames) else {
            throw .outOfMemory(purpose: "the \(c.kind.rawValue) page table", bytes: totalBytes)
        }
        firstFrame = try HashedPageTable.allocateContiguous(machine, frames: frameCount)
        base = machine.memory.address(frame: firstFrame)
        anchorBase = c.kind == .inverted ? base + entriesBytes : 0
        freeAliases = Array((frames..<(frames + aliasCount)).reversed())
        random = SeededGenerator(seed: machine.seed ^ 0x4854_4142)   // "HTAB"
    }

    deinit { counts.deallocate() }

    /// Takes `frames` contiguous frames from a fresh allocator, in power-of-two blocks,
    /// largest first (the buddy allocator hands them out lowest first, so they follow each other).
    static func allocateContiguous(_ machine: Machine, frames: UInt64) throws(VMError) -> UInt64 {
        var first: UInt64?
        var next: UInt64 = 0
        for order in stride(from: 63, through: 0, by: -1) where frames & (UInt64(1) << UInt64(order)) != 0 {
            var remaining = UInt64(1) << UInt64(order)
            let chunkOrder = min(order, machine.frames.maxOrder)
            while remaining > 0 {
                let frame = try machine.allocateFrames(order: chunkOrder, state: .pageTable, owner: 0, tableLevel: 0,
                                                       purpose: "the page table")
                if let first, frame != next {
                    throw .invalidConfiguration(what: "page_table", reason: "the table must be allocated before anything else "
                                                + "(frames \(first)… are not contiguous)")
                }
                if first == nil { first = frame }
                next = frame + FrameAllocator.blockFrames(chunkOrder)
                remaining -= FrameAllocator.blockFrames(chunkOrder)
            }
        }
        return first ?? 0
    }

    // MARK: tags and hashes

    /// The hash of (space id, VPN): VPN XOR (id × 0x9E3779B9), 64-bit wrapping.
    @inline(__always)
    func hash(id: UInt64, vpn: UInt64) -> UInt64 { vpn ^ (id &* HashedPageTable.hashMultiplier) }

    /// The tag of (space id, VPN) without the V and H bits.
    @inline(__always)
    func key(id: UInt64, vpn: UInt64) -> UInt64 { id << HashedPageTable.idShift | (vpn & HashedPageTable.vpnMask) }

    /// Physical address of entry `index`.
    @inline(__always)
    func entryAddress(_ index: Int) -> UInt64 { base &+ UInt64(index) &* entryBytes }

    /// The tag word of entry `index`.
    @inline(__always)
    func tag(_ index: Int) -> UInt64 { memory.load64(entryAddress(index)) }

    /// The PTE word of entry `index` (the mode's width).
    @inline(__always)
    func pte(_ index: Int) -> UInt64 { memory.loadAligned(entryAddress(index) &+ 8, width: pteWidth) }

    /// Writes the tag and PTE words of entry `index`.
    func writeEntry(_ index: Int, tag: UInt64, pte: UInt64) {
        memory.storeAligned(entryAddress(index), tag, width: 8)
        memory.storeAligned(entryAddress(index) &+ 8, pte, width: pteWidth)
    }

    /// Physical frame a PTE word names.
    @inline(__always)
    func frameOf(_ raw: UInt64) -> UInt64 { (raw >> frameShift) & frameFieldMask }

    // MARK: spaces

    /// A free space id (lowest first) for a new address space. Throws when 16,383 are live.
    func takeSpaceID() throws(VMError) -> UInt64 {
        if let free = spaceIDsInUse.firstIndex(of: false) {
            spaceIDsInUse[free] = true
            return UInt64(free)
        }
        guard spaceIDsInUse.count <= HashedPageTable.maxSpaceID else {
            throw .invalidConfiguration(what: "address space", reason: "the \(kind.rawValue) page table's tags hold "
                                        + "\(HashedPageTable.maxSpaceID) live spaces; release one first")
        }
        spaceIDsInUse.append(true)
        return UInt64(spaceIDsInUse.count - 1)
    }

    /// Gives back the id of a released space (its entries are gone).
    func returnSpaceID(_ id: UInt64) {
        if Int(id) < spaceIDsInUse.count { spaceIDsInUse[Int(id)] = false }
    }

    /// Bytes of the table: entries × entry size + anchor table.
    public var tableBytes: UInt64 { UInt64(entryCount) * entryBytes + (kind == .inverted ? UInt64(bucketCount) * 8 : 0) }

    /// Sizes and counters.
    public var stats: HashedPageTableStats {
        let c = counts.pointee
        return HashedPageTableStats(kind: kind, entries: entryCount, entryBytes: Int(entryBytes), buckets: bucketCount,
                                    anchorBytes: kind == .inverted ? bucketCount * 8 : 0, tableBytes: Int(tableBytes), used: c.used,
                                    aliasesUsed: c.aliasesUsed, aliases: aliasCount, aliasRefusals: c.aliasRefusals,
                                    evictions: c.evictions, overflow: overflow.count, overflowReloads: c.overflowReloads,
                                    searches: c.searches, probes: c.probes, collisions: c.collisions)
    }

    /// Zeroes the search, eviction and refusal counters (not the entries in use).
    public func resetCounters() {
        let c = counts.pointee
        counts.pointee = HashedPageTableCounts()
        counts.pointee.used = c.used
        counts.pointee.aliasesUsed = c.aliasesUsed
    }
}

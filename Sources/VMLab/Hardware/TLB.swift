/// Counters of one TLB structure (or one page-walk-cache level).
public struct TLBStats: Sendable, Equatable {
    /// Lookups that found a usable entry.
    public var hits = 0
    /// Lookups that found none (or one whose permissions or dirty bit did not allow the access).
    public var misses = 0
    /// Valid entries replaced by a fill.
    public var evictions = 0
    /// Entries written (new or refreshed).
    public var fills = 0
    /// Flush operations (all, by ASID, non-global) applied to this structure.
    public var flushes = 0
    /// Entries removed by `invalidate` (invlpg).
    public var invalidations = 0

    public init() {}

    /// hits / (hits + misses), 0 when there were no lookups.
    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
}

/// One valid entry of a TLB, as `TLB.dump()` lists it.
public struct TLBEntryInfo: Sendable, Equatable {
    /// Set and way where the entry sits.
    public var set: Int
    public var way: Int
    /// Virtual page number at the entry's page size (`va >> log2(pageBytes)`); for a page-walk
    /// cache, the VA bits above the level's index shift.
    public var vpn: UInt64
    /// Physical frame number (physical base >> the mode's base-page bits).
    public var pfn: UInt64
    /// Physical address of the page (or, for a page-walk cache, of the next-level table).
    public var physicalBase: UInt64
    /// Page size (for a page-walk cache: the span of VA one entry covers).
    public var pageBytes: UInt64
    /// ASID/PCID tag (the CPU number when PCIDs are off).
    public var asid: Int
    /// VMID of the guest whose entry this is (0: the host's) in a structure shared with guests;
    /// a guest's entries hold guest-physical bases (see `TLB.vmidShift`).
    public var vmid = 0
    public var global: Bool
    public var readable: Bool
    public var writable: Bool
    public var executable: Bool
    public var user: Bool
    public var dirty: Bool
    /// x86 PKU protection key of the page (0 when none).
    public var protectionKey = 0
}

/// Bits of an entry's metadata word.
enum TLBMeta {
    static let tagMask: UInt32 = 0xFFFF
    static let valid: UInt32 = 1 << 16
    static let global: UInt32 = 1 << 17
    static let sizeShift: UInt32 = 18
    static let sizeMask: UInt32 = 7 << 18
    static let readable: UInt32 = 1 << readableShift
    static let writable: UInt32 = 1 << 22
    static let executable: UInt32 = 1 << 23
    static let user: UInt32 = 1 << 24
    static let dirty: UInt32 = 1 << 25
    /// x86 PKU protection key of the page (4 bits).
    static let keyShift: UInt32 = 26
    static let keyMask: UInt32 = 0xf << 26
    /// Permission/flag bits a fill may set.
    static let flagMask: UInt32 = readable | writable | executable | user | dirty | global | keyMask
    /// Bits compared for a tagged match: tag, valid, size.
    static let matchMask: UInt32 = tagMask | valid | sizeMask
    /// Bits compared for a global match: valid, global, size.
    static let globalMatchMask: UInt32 = valid | global | sizeMask

    /// A tag's VMID (above its 16 ASID bits) moved to where keys carry it (see `TLB.vmidShift`).
    @inline(__always)
    static func salt(_ tag: UInt32) -> UInt64 { UInt64(tag >> 16) << TLB.vmidShift }

    /// Bits an access needs in a cached entry: read → R; write → W and D (a clean entry goes to
    /// the walker, which sets D in the PTE); execute → X; user mode adds U.
    @inline(__always)
    static func need(_ kind: AccessKind, _ privilege: Privilege) -> UInt32 {
        privilege == .user ? need(kind) | user : need(kind)
    }

    /// `need` without the user bit, by table rather than branches (the kinds of a trace are
    /// mixed at random): one byte per kind, holding the bits from `readable` up.
    @inline(__always)
    static func need(_ kind: AccessKind) -> UInt32 {
        let table: UInt32 = (readable >> readableShift) | ((writable | dirty) >> readableShift) << 8
            | (executable >> readableShift) << 16
        return ((table >> (UInt32(kind.rawValue) &* 8)) & 0xff) << readableShift
    }
    static let readableShift: UInt32 = 21
}

/// The mutable state of a structure, in one heap block (plain stores on the hot path).
struct TLBState {
    var stats = TLBStats()
    var clock: UInt64 = 0
    var rng: SeededGenerator
}

/// One set-associative TLB structure: flat arrays of `entries` slots, way `w` of set `s` at
/// slot `s × ways + w`. See `TLBLevelConfiguration` for the set-index rule and
/// `TLBReplacement` for the victim rules. Lookups and fills never allocate.
///
/// The same class serves as one level of a page-walk cache (`isPageWalkCache`): the "page size"
/// is the VA span of one entry and the physical base is the next table's address.
///
/// **VMIDs.** A structure a guest's virtual CPUs share with the host's CPU (`tagsVMID`) holds
/// entries of several virtual machines. The VMID travels in a tag's bits 16 and up and is kept
/// in the entry's key above the VPN:
/// ```
///   key   63        52 51                           0
///        +------------+------------------------------+
///        |    VMID    |   VPN (VA >> page-size bits)  |
///        +------------+------------------------------+
/// ```
/// so a lookup matches only entries of its own VMID (global ones included), while the set
/// index comes from the VPN alone: the host's and the guests' pages compete for the same sets.
/// Guests have pages of at least 4 KiB, so their hosts' VPNs fit 52 bits.
public final class TLB {
    /// Where a key keeps the VMID; 12 bits of VMID (1 … 4095 for guests, 0 for the host).
    public static let vmidShift: UInt64 = 52
    /// The largest VMID.
    public static let maxVMID = 4095
    /// True once a guest's CPUs share this structure: CPU-wide flushes drop only their own
    /// VMID's entries (`flush(vmid:global:)`).
    public internal(set) var tagsVMID: Bool {
        get { core.pointee.tagsVMID }
        set { core.pointee.tagsVMID = newValue }
    }
    /// Name in stats and dumps (`"L1d"`, or `"PWC PD"` for a page-walk-cache level).
    public let name: String
    public let entries: Int
    public let ways: Int
    public let sets: Int
    public let replacement: TLBReplacement
    public let kind: TLBKind
    /// Page sizes held, smallest first.
    public let pageSizes: [UInt64]
    /// True when one structure serves every CPU.
    public let isShared: Bool
    /// True for a page-walk-cache level.
    public let isPageWalkCache: Bool
    /// The CPU owning a private structure (−1 when shared).
    public let cpu: Int

    /// The entries' arrays and the lookup and fill state, in raw memory, so that the MMU
    /// pipeline calls lookups and fills directly, inlined, without reference counting.
    let core: UnsafeMutablePointer<TLBCore>
    var keys: UnsafeMutablePointer<UInt64> { core.pointee.keys }
    var bases: UnsafeMutablePointer<UInt64> { core.pointee.bases }
    var metas: UnsafeMutablePointer<UInt32> { core.pointee.metas }
    var stamps: UnsafeMutablePointer<UInt64> { core.pointee.stamps }
    var tree: UnsafeMutablePointer<UInt8> { core.pointee.tree }
    var state: UnsafeMutablePointer<TLBState> { core.pointee.state }
    var heldCount: Int { core.pointee.heldCount }
    var sizeCounts: UnsafeMutablePointer<Int> { core.pointee.sizeCounts }
    var heldShifts: UnsafeMutablePointer<UInt64> { core.pointee.heldShifts }
    var heldSizeTags: UnsafeMutablePointer<UInt32> { core.pointee.heldSizeTags }
    var localOfSize: UnsafeMutablePointer<Int> { core.pointee.localOfSize }
    let frameBits: UInt64
    /// Bytes per mode size index (for dumps).
    let sizeBytes: [UInt64]

    /// A structure holding the sizes `held` (mode size index and log2 of the size, smallest first).
    init(name: String, entries: Int, ways: Int, replacement: TLBReplacement, kind: TLBKind,
         held: [(sizeIndex: Int, shift: Int)], shared: Bool, cpu: Int, pageWalkCache: Bool,
         frameBits: Int, seed: UInt64) {
        self.name = name
        self.entries = entries
        self.ways = ways == 0 ? entries : ways
        self.sets = entries / self.ways
        self.replacement = replacement
        self.kind = kind
        self.isShared = shared
        self.isPageWalkCache = pageWalkCache
        self.cpu = shared ? -1 : cpu
        self.pageSizes = held.map { UInt64(1) << UInt64($0.shift) }
        self.frameBits = UInt64(frameBits)
        var bytes = [UInt64](repeating: 0, count: 8)
        for h in held { bytes[h.sizeIndex] = UInt64(1) << UInt64(h.shift) }
        self.sizeBytes = bytes
        core = .allocate(capacity: 1)
        core.initialize(to: TLBCore(entries: entries, ways: self.ways, replacement: replacement, held: held, seed: seed))
    }

    deinit {
        core.pointee.release()
        core.deinitialize(count: 1); core.deallocate()
    }

    /// Hits, misses, evictions, fills, flushes, invalidations.
    public var stats: TLBStats { state.pointee.stats }

    /// Sets the counters back to zero (contents stay).
    public func resetStats() { state.pointee.stats = TLBStats() }

    /// True when the structure holds pages of `pageBytes`.
    public func holds(pageBytes: UInt64) -> Bool { pageSizes.contains(pageBytes) }

    /// The set of `va` for pages of `pageBytes` (VPN mod sets), or nil when that size is not held.
    public func setIndex(_ va: UInt64, pageBytes: UInt64) -> Int? {
        guard pageSizes.contains(pageBytes) else { return nil }
        return Int((va >> UInt64(pageBytes.trailingZeroBitCount)) % UInt64(sets))
    }

    /// The set of the page with VPN `vpn`.
    @inline(__always)
    func setOf(_ vpn: UInt64) -> Int { core.pointee.setOf(vpn) }

    /// See `TLBCore.lookup`.
    @inline(__always)
    func lookup(_ va: UInt64, tag: UInt32, need: UInt32) -> Int { core.pointee.lookup(va, tag: tag, need: need) }

    /// See `TLBCore.fill`.
    @inline(__always)
    func fill(_ va: UInt64, sizeIndex: Int, base: UInt64, flags: UInt32, tag: UInt32) {
        core.pointee.fill(va, sizeIndex: sizeIndex, base: base, flags: flags, tag: tag)
    }

    /// See `TLBCore.write`.
    func write(slot: Int, va: UInt64, sizeIndex: Int, base: UInt64, flags: UInt32, tag: UInt32) {
        core.pointee.write(slot: slot, va: va, sizeIndex: sizeIndex, base: base, flags: flags, tag: tag)
    }

    /// invlpg: removes the entries translating `va` (every held size) that carry `tag` or are
    /// global (of the tag's VMID). Returns how many were removed.
    @discardableResult
    public func invalidate(_ va: UInt64, tag: Int) -> Int {
        core.pointee.invalidate(va, tag: UInt32(truncatingIfNeeded: tag))
    }

    /// Removes every entry, global ones included.
    public func flushAll() {
        for i in 0..<entries { core.pointee.clear(i) }
        recountSizes()
        state.pointee.stats.flushes += 1
    }

    /// Removes the non-global entries tagged `tag` (INVPCID single-context; of the tag's VMID
    /// when guests share the structure).
    public func flush(asid tag: Int) { core.pointee.flush(asid: UInt32(truncatingIfNeeded: tag)) }

    /// Removes the entries of virtual machine `vmid` (0: the host's) — every one, or with
    /// `global` false only the non-global ones. On a structure no guest shares, every entry is
    /// the host's.
    public func flush(vmid: Int, global: Bool) {
        let salt = UInt64(vmid) << Self.vmidShift
        for i in 0..<entries where (global || metas[i] & TLBMeta.global == 0)
                                    && (!tagsVMID || keys[i] & Self.vmidKeyMask == salt) {
            core.pointee.clear(i)
        }
        recountSizes()
        state.pointee.stats.flushes += 1
    }

    /// The key bits that hold the VMID.
    static let vmidKeyMask: UInt64 = ~0 << vmidShift

    /// Removes every non-global entry, whatever its tag.
    public func flushNonGlobal() {
        for i in 0..<entries where metas[i] & TLBMeta.global == 0 { core.pointee.clear(i) }
        recountSizes()
        state.pointee.stats.flushes += 1
    }

    /// Recomputes `sizeCounts` and the victim order from the entries (after a flush).
    func recountSizes() { core.pointee.recount() }

    /// Number of valid entries.
    public var validCount: Int {
        var n = 0
        for i in 0..<entries where metas[i] & TLBMeta.valid != 0 { n += 1 }
        return n
    }

    /// Every valid entry with its set and way, in slot order.
    public func dump() -> [TLBEntryInfo] {
        var out: [TLBEntryInfo] = []
        for i in 0..<entries {
            let m = metas[i]
            guard m & TLBMeta.valid != 0 else { continue }
            out.append(TLBEntryInfo(
                set: i / ways, way: i % ways, vpn: tagsVMID ? keys[i] & ~Self.vmidKeyMask : keys[i],
                pfn: bases[i] >> frameBits, physicalBase: bases[i],
                pageBytes: sizeBytes[Int((m & TLBMeta.sizeMask) >> TLBMeta.sizeShift)],
                asid: Int(m & TLBMeta.tagMask), vmid: tagsVMID ? Int(keys[i] >> Self.vmidShift) : 0,
                global: m & TLBMeta.global != 0,
                readable: m & TLBMeta.readable != 0, writable: m & TLBMeta.writable != 0,
                executable: m & TLBMeta.executable != 0, user: m & TLBMeta.user != 0,
                dirty: m & TLBMeta.dirty != 0, protectionKey: Int((m & TLBMeta.keyMask) >> TLBMeta.keyShift)))
        }
        return out
    }
}

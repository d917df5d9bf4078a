/// The hot half of a `TLB`: its arrays (owned by the `TLB`) and geometry, in one struct kept in
/// raw memory. Lookups and fills run on it straight from the MMU pipeline: no class reference
/// to retain, nothing the optimizer cannot inline. Way `w` of set `s` is slot `s × ways + w`.
///
/// The methods are `mutating` although no field changes (the arrays' contents do): called on
/// `pointer.pointee`, a mutating method works in place, where a non-mutating one made the
/// caller copy all sixteen fields first (measured: ~50 instructions per lookup).
struct TLBCore {
    let keys: UnsafeMutablePointer<UInt64>
    let bases: UnsafeMutablePointer<UInt64>
    let metas: UnsafeMutablePointer<UInt32>
    /// LRU recency or FIFO arrival of each entry (from the structure's clock: at least 1 for a
    /// valid entry under LRU and FIFO); 0 for an invalid entry (`clear`), which
    /// `leastRecentlyStamped` relies on.
    let stamps: UnsafeMutablePointer<UInt64>
    /// Per set, for LRU and FIFO sets of 8 to 16 ways (`ordered`): the ways by recency,
    /// most recent first, one nibble each (`WayOrder`), so that a full set's victim is read off
    /// the last nibble instead of searched for among the stamps (which stay the truth: a
    /// snapshot keeps those and `recount` derives the rest).
    let order: UnsafeMutablePointer<UInt64>
    /// Per set with `ordered`: bit w set when way w holds a valid entry. `validSlots` holds the
    /// same facts, but reading a set's first invalid way off its bytes cost 88 more instructions
    /// per TLB miss (measured): the bits are kept for the victim.
    let validWays: UnsafeMutablePointer<UInt32>
    /// One byte per slot, 1 when it holds a valid entry (0 past the last slot, up to a multiple
    /// of 8): a flush reads eight at a time and visits the valid entries only (`forEachValid`) —
    /// a page-walk cache is flushed at every `invlpg` and holds a few entries then. A byte, not a
    /// bit: a fill marks it with one store.
    let validSlots: UnsafeMutablePointer<UInt8>
    let validWords: Int
    let tree: UnsafeMutablePointer<UInt8>
    let state: UnsafeMutablePointer<TLBState>
    let sizeCounts: UnsafeMutablePointer<Int>
    let heldShifts: UnsafeMutablePointer<UInt64>
    let heldSizeTags: UnsafeMutablePointer<UInt32>
    let localOfSize: UnsafeMutablePointer<Int>
    let ways: Int
    let sets: Int
    let setMask: Int
    let pow2Sets: Bool
    let heldCount: Int
    let replacement: TLBReplacement
    /// LRU or FIFO with 8 … 16 ways: victims come from `order` and `validWays`.
    let ordered: Bool
    let onHit: HitUpdate
    /// True once a guest's CPUs share this structure (see `TLB.tagsVMID`).
    var tagsVMID = false

    /// Arrays for `entries` slots in sets of `ways`, every entry invalid, holding the sizes
    /// `held` (mode size index and log2 of the size, smallest first).
    init(entries: Int, ways: Int, replacement: TLBReplacement, held: [(sizeIndex: Int, shift: Int)], seed: UInt64) {
        keys = .allocate(capacity: entries); keys.initialize(repeating: ~0, count: entries)
        bases = .allocate(capacity: entries); bases.initialize(repeating: 0, count: entries)
        metas = .allocate(capacity: entries); metas.initialize(repeating: 0, count: entries)
        stamps = .allocate(capacity: entries); stamps.initialize(repeating: 0, count: entries)
        let sets = entries / ways
        ordered = (replacement == .lru || replacement == .fifo) && ways >= WayOrder.minimumWays && ways <= WayOrder.maximumWays
        order = .allocate(capacity: ordered ? sets : 1)
        order.initialize(repeating: WayOrder.initial(ways: min(ways, WayOrder.maximumWays)), count: ordered ? sets : 1)
        validWays = .allocate(capacity: ordered ? sets : 1); validWays.initialize(repeating: 0, count: ordered ? sets : 1)
        validWords = (entries + 7) / 8
        validSlots = .allocate(capacity: validWords * 8); validSlots.initialize(repeating: 0, count: validWords * 8)
        let treeCount = replacement == .plru ? entries : 1
        tree = .allocate(capacity: treeCount); tree.initialize(repeating: 0, count: treeCount)
        state = .allocate(capacity: 1)
        state.initialize(to: TLBState(rng: SeededGenerator(seed: seed)))
        heldCount = held.count
        sizeCounts = .allocate(capacity: max(1, held.count)); sizeCounts.initialize(repeating: 0, count: max(1, held.count))
        heldShifts = .allocate(capacity: max(1, held.count))
        heldSizeTags = .allocate(capacity: max(1, held.count))
        localOfSize = .allocate(capacity: 8); localOfSize.initialize(repeating: -1, count: 8)
        for (i, h) in held.enumerated() {
            heldShifts[i] = UInt64(h.shift)
            heldSizeTags[i] = UInt32(h.sizeIndex) << TLBMeta.sizeShift
            localOfSize[h.sizeIndex] = i
        }
        self.ways = ways
        self.sets = sets
        setMask = sets - 1
        pow2Sets = sets & (sets - 1) == 0
        self.replacement = replacement
        switch replacement {
        case .lru: onHit = ordered ? .stampAndOrder : .stamp
        case .plru: onHit = .tree
        case .fifo, .random: onHit = .nothing
        }
    }

    /// Frees the arrays (the owning `TLB` goes).
    func release() {
        keys.deallocate(); bases.deallocate(); metas.deallocate(); stamps.deallocate(); tree.deallocate()
        order.deallocate(); validWays.deallocate(); validSlots.deallocate()
        state.deinitialize(count: 1); state.deallocate()
        heldShifts.deallocate(); heldSizeTags.deallocate(); localOfSize.deallocate(); sizeCounts.deallocate()
    }

    @inline(__always)
    mutating func setOf(_ vpn: UInt64) -> Int {
        pow2Sets ? Int(truncatingIfNeeded: vpn) & setMask : Int(vpn % UInt64(sets))
    }

    /// Looks `va` up for `tag`: returns the slot of an entry that matches (same VPN and size,
    /// same tag or global) and has every bit of `need`, or −1. A matching entry without the
    /// needed bits counts as a miss (the access goes to the walker); with `dropDenied` it is also
    /// invalidated, as x86 does on the walk that follows (which refills it or faults), so that
    /// the walk's fill can `insert` without looking for it. Counts the hit or miss and updates
    /// the replacement state on a hit.
    @_transparent
    mutating func lookup(_ va: UInt64, tag: UInt32, need: UInt32, dropDenied: Bool = false) -> Int {
        let salt = TLBMeta.salt(tag)
        var h = 0
        while h < heldCount {
            if sizeCounts[h] == 0 { h &+= 1; continue }
            let vpn = va &>> heldShifts[h]
            let set = setOf(vpn)
            let key = vpn | salt
            let sizeTag = heldSizeTags[h]
            let want = (tag & TLBMeta.tagMask) | TLBMeta.valid | sizeTag
            let globalWant = TLBMeta.valid | TLBMeta.global | sizeTag
            var i = set &* ways
            let end = i &+ ways
            while true {
                i = firstKey(key, from: i, end: end)
                if i == end { break }
                let m = metas[i]
                if (m ^ want) & TLBMeta.matchMask == 0 || m & TLBMeta.globalMatchMask == globalWant {
                    if m & need == need {
                        used(i, set: set)
                        return i
                    }
                    if dropDenied {
                        clear(i, set: set)
                        sizeCounts[h] &-= 1
                    }
                    state.pointee.stats.misses &+= 1
                    return -1
                }
                i &+= 1
            }
            h &+= 1
        }
        state.pointee.stats.misses &+= 1
        return -1
    }

    /// The first slot in `from..<end` whose key is `key`, or `end`. Four keys per step: a set
    /// that does not hold the page (the common case on a miss) costs one branch per four ways.
    @inline(__always)
    func firstKey(_ key: UInt64, from: Int, end: Int) -> Int {
        let keys = self.keys
        var i = from
        while i &+ 4 <= end {
            let k0 = keys[i] == key, k1 = keys[i &+ 1] == key, k2 = keys[i &+ 2] == key, k3 = keys[i &+ 3] == key
            if k0 || k1 || k2 || k3 { return k0 ? i : k1 ? i &+ 1 : k2 ? i &+ 2 : i &+ 3 }
            i &+= 4
        }
        while i < end && keys[i] != key { i &+= 1 }
        return i
    }

    /// Counts a hit on slot `i` and updates LRU stamps or the PLRU tree.
    @inline(__always)
    mutating func used(_ i: Int, set: Int) {
        let s = state
        s.pointee.stats.hits &+= 1
        switch onHit {
        case .stamp:
            s.pointee.clock &+= 1
            stamps[i] = s.pointee.clock
        case .stampAndOrder:
            s.pointee.clock &+= 1
            stamps[i] = s.pointee.clock
            order[set] = WayOrder.moveToFront(order[set], way: i &- set &* ways)
        case .tree:
            touch(set: set, way: i &- set &* ways)
        case .nothing:
            break
        }
    }

    /// What a hit updates: an LRU stamp (and the set's `order` when `ordered`), the PLRU tree,
    /// or nothing (FIFO, random). Decided once, so that a hit pays one dispatch.
    enum HitUpdate: UInt8 { case stamp, stampAndOrder, tree, nothing }

    /// Points every PLRU node on `way`'s path away from it.
    @inline(__always)
    mutating func touch(set: Int, way: Int) {
        let base = set &* ways
        var node = 1, low = 0, span = ways
        while span > 1 {
            let half = span >> 1
            if way < low &+ half {
                tree[base &+ node] = 1
                node = node &* 2
            } else {
                tree[base &+ node] = 0
                node = node &* 2 &+ 1
                low &+= half
            }
            span = half
        }
    }

    /// The way to replace in a full set.
    mutating func victim(set: Int) -> Int {
        let base = set * ways
        switch replacement {
        case .lru, .fifo:
            return (ordered ? orderedVictim(set: set) : leastRecentlyStamped(set: set)).slot - base
        case .plru:
            var node = 1, low = 0, span = ways
            while span > 1 {
                let half = span >> 1
                if tree[base + node] == 0 { node = node * 2 } else { node = node * 2 + 1; low += half }
                span = half
            }
            return low
        case .random:
            return Int(state.pointee.rng.next(below: UInt64(ways)))
        }
    }

    /// The slot of `set` with the smallest stamp, the lowest way among equals: the first invalid
    /// way when there is one (an invalid entry's stamp is 0, see `clear`; a valid one's is at
    /// least 1), else the least recently used (LRU) or oldest (FIFO) entry; with its stamp.
    @inline(__always)
    mutating func leastRecentlyStamped(set: Int) -> (slot: Int, stamp: UInt64) {
        let stamps = self.stamps
        let start = set &* ways
        let end = start &+ ways
        var oldest = start
        var oldestStamp = stamps[start]
        var i = start &+ 1
        // No exit at a stamp 0: the one test per way it would save is paid on every way of the
        // full sets that are the common case. Unrolled, the compiler turned the comparisons into
        // branches, mispredicted on random sets.
        while i < end {
            let stamp = stamps[i]
            if stamp < oldestStamp { oldestStamp = stamp; oldest = i }
            i &+= 1
        }
        return (oldest, oldestStamp)
    }

    /// `leastRecentlyStamped` for an `ordered` set, without the search: the lowest invalid way if
    /// there is one (stamp 0), else the last way of `order`; the stamp is only told apart as 0 or not.
    @inline(__always)
    func orderedVictim(set: Int) -> (slot: Int, stamp: UInt64) {
        let valid = validWays[set]
        let start = set &* ways
        if valid != WayOrder.full(ways: ways) { return (start &+ (~valid).trailingZeroBitCount, 0) }
        return (start &+ WayOrder.last(order[set], ways: ways), 1)
    }

    /// Installs the translation of `va` (a page of mode size index `sizeIndex` at physical
    /// `base`) with `flags` (TLBMeta permission bits and global) for `tag`. An entry for the same
    /// page and tag is overwritten in place; otherwise it is `insert`ed. Does nothing when the
    /// structure does not hold that size.
    @inline(__always)
    mutating func fill(_ va: UInt64, sizeIndex: Int, base: UInt64, flags: UInt32, tag: UInt32) {
        let local = localOfSize[sizeIndex]
        if local < 0 { return }
        let vpn = va &>> heldShifts[local]
        let key = vpn | TLBMeta.salt(tag)
        let sizeTag = heldSizeTags[local]
        let meta = (flags & TLBMeta.flagMask) | TLBMeta.valid | sizeTag | (tag & TLBMeta.tagMask)
        let set = setOf(vpn)
        let start = set &* ways
        var i = start
        while i < start &+ ways {
            let m = metas[i]
            if m & TLBMeta.valid != 0 && keys[i] == key && m & TLBMeta.sizeMask == sizeTag
                && ((m ^ meta) & TLBMeta.tagMask == 0 || (m | meta) & TLBMeta.global != 0) {
                if replacement == .lru { stamp(i, set: set) }
                if replacement == .plru { touch(set: set, way: i &- start) }
                store(i, local: local, key: key, base: base, meta: meta)
                return
            }
            i &+= 1
        }
        insert(va, sizeIndex: sizeIndex, base: base, flags: flags, tag: tag)
    }

    /// `fill` for a page the caller knows is not cached here: every structure the MMU pipeline
    /// fills was just looked up and missed (a denied match dropped by `lookup(dropDenied:)`), so
    /// the search for an entry to overwrite is skipped: the first invalid way, else the victim
    /// (counting the eviction). LRU and FIFO find both in one pass over the stamps
    /// (`leastRecentlyStamped`).
    @inline(__always)
    mutating func insert(_ va: UInt64, sizeIndex: Int, base: UInt64, flags: UInt32, tag: UInt32) {
        let local = localOfSize[sizeIndex]
        if local < 0 { return }
        let vpn = va &>> heldShifts[local]
        let set = setOf(vpn)
        let meta = (flags & TLBMeta.flagMask) | TLBMeta.valid | heldSizeTags[local] | (tag & TLBMeta.tagMask)
        var slot: Int
        if replacement == .lru || replacement == .fifo {
            let oldest = ordered ? orderedVictim(set: set) : leastRecentlyStamped(set: set)
            slot = oldest.slot
            if oldest.stamp != 0 { state.pointee.stats.evictions &+= 1 }
            stamp(slot, set: set)
        } else {
            let start = set &* ways
            slot = start
            while slot < start &+ ways && metas[slot] & TLBMeta.valid != 0 { slot &+= 1 }
            if slot == start &+ ways {
                slot = start &+ victim(set: set)
                state.pointee.stats.evictions &+= 1
            }
            if replacement == .plru { touch(set: set, way: slot &- start) }
        }
        store(slot, local: local, key: vpn | TLBMeta.salt(tag), base: base, meta: meta)
    }

    /// Marks `slot` invalid, with stamp 0 (see `leastRecentlyStamped`). The caller keeps
    /// `sizeCounts` right, and `validWays` (`clear(_:set:)`, or `recount` after a whole flush).
    @inline(__always)
    mutating func clear(_ slot: Int) {
        metas[slot] = 0
        stamps[slot] = 0
        validSlots[slot] = 0
    }

    /// Calls `body` with every valid slot, lowest first (the slots `store` filled and `clear`
    /// has not emptied). `body` may clear the slot it is given.
    @inline(__always)
    func forEachValid(_ body: (Int) -> Void) { Self.forEachValid(validSlots, words: validWords, body) }

    /// `forEachValid` over the valid bytes `validSlots` (`words` of 8), for a caller that
    /// changes the structure from `body`.
    @inline(__always)
    static func forEachValid(_ validSlots: UnsafeMutablePointer<UInt8>, words validWords: Int, _ body: (Int) -> Void) {
        let raw = UnsafeRawPointer(validSlots)
        for word in 0..<validWords {
            var bytes = raw.load(fromByteOffset: word &<< 3, as: UInt64.self)
            while bytes != 0 {
                let byte = bytes.trailingZeroBitCount &>> 3
                body(word &<< 3 | byte)
                bytes &= ~(UInt64(0xff) &<< UInt64(byte &<< 3))
            }
        }
    }

    /// `clear` of `slot` in `set`, keeping `validWays` right.
    @inline(__always)
    mutating func clear(_ slot: Int, set: Int) {
        clear(slot)
        if ordered { validWays[set] &= ~(UInt32(1) &<< UInt32(slot &- set &* ways)) }
    }

    /// Gives `slot` of `set` the next stamp (its LRU recency or FIFO arrival): the front of the
    /// set's `order`, and valid.
    @inline(__always)
    mutating func stamp(_ slot: Int, set: Int) {
        state.pointee.clock &+= 1
        stamps[slot] = state.pointee.clock
        if ordered {
            let way = slot &- set &* ways
            order[set] = WayOrder.moveToFront(order[set], way: way)
            validWays[set] |= UInt32(1) &<< UInt32(way)
        }
    }

    /// Recomputes `sizeCounts`, `validSlots` and `validWays` from the entries, and `order` from the stamps
    /// (after a flush of many entries, or a restore).
    mutating func recount() {
        for h in 0..<max(1, heldCount) { sizeCounts[h] = 0 }
        validSlots.update(repeating: 0, count: validWords * 8)
        for i in 0..<sets &* ways where metas[i] & TLBMeta.valid != 0 {
            sizeCounts[localOfSize[Int((metas[i] & TLBMeta.sizeMask) >> TLBMeta.sizeShift)]] += 1
            validSlots[i] = 1
        }
        guard ordered else { return }
        for set in 0..<sets {
            let start = set * ways
            let byRecency = (0..<ways).sorted { stamps[start + $0] > stamps[start + $1] || (stamps[start + $0] == stamps[start + $1] && $0 < $1) }
            order[set] = WayOrder.make(byRecency)
            var valid: UInt32 = 0
            for way in 0..<ways where stamps[start + way] != 0 { valid |= 1 << UInt32(way) }
            validWays[set] = valid
        }
    }

    /// Writes the entry into `slot`, keeping the per-size counts right, and counts a fill.
    @inline(__always)
    mutating func store(_ slot: Int, local: Int, key: UInt64, base: UInt64, meta: UInt32) {
        let old = metas[slot]
        // Replacing an entry of the same size (the usual eviction) leaves the counts as they are.
        if old & TLBMeta.valid == 0 {
            sizeCounts[local] &+= 1
        } else if (old ^ meta) & TLBMeta.sizeMask != 0 {
            sizeCounts[localOfSize[Int((old & TLBMeta.sizeMask) >> TLBMeta.sizeShift)]] &-= 1
            sizeCounts[local] &+= 1
        }
        keys[slot] = key
        bases[slot] = base
        metas[slot] = meta
        validSlots[slot] = 1
        state.pointee.stats.fills &+= 1
    }

    /// Writes an entry into `slot` (MIPS `tlbwi`), replacing whatever was there; the caller has
    /// checked that the slot lies in the page's set. A second entry for the same page in another
    /// way is the writer's business (lookups find the lower way first).
    mutating func write(slot: Int, va: UInt64, sizeIndex: Int, base: UInt64, flags: UInt32, tag: UInt32) {
        let local = localOfSize[sizeIndex]
        if local < 0 { return }
        stamp(slot, set: slot / ways)
        if replacement == .plru { touch(set: slot / ways, way: slot % ways) }
        store(slot, local: local, key: (va &>> heldShifts[local]) | TLBMeta.salt(tag), base: base,
              meta: (flags & TLBMeta.flagMask) | TLBMeta.valid | heldSizeTags[local] | (tag & TLBMeta.tagMask))
    }
}

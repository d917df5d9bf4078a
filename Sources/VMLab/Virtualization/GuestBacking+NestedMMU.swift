/// The second dimension of a guest CPU's page walks: the nested MMU.
///
/// A guest's processes run on the guest machine's CPUs, through their TLBs, page-walk caches and
/// walker, exactly as on a host; the walker reads the guest's own tables (at guest-physical
/// addresses, whose bytes live in host frames). On every walk (a TLB miss) the CPU calls
/// `walkSecondDimension`, which adds what the hardware does besides: each guest table page the
/// walker read is itself translated through the EPT (m references, unless the nested page-walk
/// cache holds it), and so is the data page (m references). A cold 4-level guest on a 4-level
/// EPT thus reads 4 + 5 × 4 = 24 entries, as `Guest.translateNested` shows step by step.
///
/// **What is cached.**
/// - The guest CPU's TLB entries map a guest virtual page to its guest-physical page; with the
///   hypervisor flushing every guest TLB entry whenever it removes an EPT mapping (INVEPT, in
///   `invalidateTranslations`), such an entry is exactly a cached composed translation gVA →
///   hPA (the hPA is the EPT's, which cannot change under it). Entries carry the guest's ASIDs
///   and, in structures shared with the host's CPUs, its VMID (`GuestTLBSharing`, `TLB`): a VM
///   switch needs no flush, and INVEPT drops only this guest's entries. **Splintering**: the
///   composed translation is contiguous only over the smaller of the guest leaf and the EPT
///   leaf that maps its data page, so the entry has that size:
///   ```
///     guest 2 MiB leaf, EPT 2 MiB leaf   one 2 MiB TLB entry: 512 base pages, one miss
///     guest 2 MiB leaf, EPT 4 KiB leaves 4 KiB TLB entries: 512 base pages, 512 misses
///     guest 4 KiB leaf, EPT 2 MiB leaf   4 KiB TLB entries (the guest's size)
///   ```
///   (shadow paging: always the base page, the size of the shadow's entries).
/// - The guest CPU's own page-walk caches hold guest-physical table addresses (a hit skips guest
///   levels, and so their EPT walks).
/// - The nested page-walk cache (`nestedPWC`, direct-mapped, `nestedPWCEntries` entries keyed
///   by guest-physical page number) holds the host frame of guest *table* pages: a hit skips
///   the EPT walk of that guest level (costs `pageWalkCacheHit`). Data pages are not cached
///   there: their EPT walk is made on every TLB miss.
///
/// EPT references count on the host's counters (its walks); their cycles also count on the
/// guest CPU and the guest machine, and so do the VM exits of the walk (EPT violations; shadow
/// faults and A/D updates under shadow paging), once each.
extension GuestBacking {
    /// Adds the EPT side of a guest walk `t` that started at guest level `start` from table
    /// `table` (guest-physical), for an access of `kind`: the EPT walks of every guest table page
    /// read (or nested page-walk-cache hits) and of the data page. A page with no host frame is
    /// backed on the way (an EPT violation: a VM exit). Adds the references and cycles to
    /// `references` and `cycles` — the exits' too, with those the guest walker met before this
    /// was called (`walkerExitCycles`: its reads of table pages the host evicted) — and the EPT
    /// references' cycles to the guest machine's counters (the CPU adds the rest of `cycles`
    /// there). Returns the guest level whose page size the TLB may cache: the guest leaf's, or,
    /// when the data page's EPT leaf is smaller (splintering), the level of the largest guest
    /// page size that fits in it. No allocation.
    @inline(never)
    func walkSecondDimension(_ t: Translation, _ va: UInt64, _ kind: AccessKind, _ space: PageTable, start: Int, table: UInt64,
                             scratch: MMUWalkScratch, guestCounters: Counters, references: inout Int,
                             cycles: inout Int) -> Int {
        let exitMark = stats.exitCycles &- walkerExitCycles
        defer {
            walkerExitCycles = 0
            moveExitCycles(since: exitMark, guestCounters: guestCounters, cycles: &cycles)
        }
        if let shadow {
            return walkShadow(shadow, t, va, kind, space, scratch: scratch)
        }
        let costs = host.costStorage.pointee
        var refs = 0
        var hits = 0
        var k = 0
        var fillLevel = t.level
        while k < t.references {
            let tableGPA = k == 0 ? table : scratch.tables[start + k - 1]
            if lookupNestedPWC(tableGPA) {
                hits += 1
            } else {
                let walked = eptReferences(tableGPA, .read)
                if walked >= 0 {
                    refs += walked
                    fillNestedPWC(tableGPA)
                }
            }
            k += 1
        }
        if t.fault == nil {
            let walked = eptReferences(t.physicalAddress, kind)
            if walked >= 0 { refs += walked }
            // The EPT leaf of the data page: a walk of r references ended at host level r − 1.
            let eptLeafBytes = walked > 0 ? eptLeafBytesAfter[walked] : pageBytes
            if eptLeafBytes < t.pageBytes { fillLevel = splinter(t, toFit: eptLeafBytes) }
        }
        stats.nestedWalks += 1
        stats.references += refs + t.references
        stats.eptReferences += refs
        stats.nestedPWCHits += hits
        references += refs
        cycles &+= refs &* costs.memoryReference &+ hits &* costs.pageWalkCacheHit
        guestCounters.cycles &+= refs &* costs.memoryReference
        return fillLevel
    }

    /// Moves the cycles of the VM exits made since `stats.exitCycles` was `before` (charged on
    /// the guest machine by `chargeExit`) into the walk's `cycles`: the CPU adds its cycles to the
    /// machine's counters itself, so they count once there and also on the CPU and the access.
    @inline(__always)
    func moveExitCycles(since before: Int, guestCounters: Counters, cycles: inout Int) {
        let spent = stats.exitCycles &- before
        guard spent != 0 else { return }
        cycles &+= spent
        guestCounters.cycles &-= spent
    }

    /// Splintering: the composed translation of a guest leaf `t` backed by an EPT leaf of
    /// `eptBytes` (smaller) is contiguous only over the smaller size, so the TLB caches it at the
    /// largest guest page size not above `eptBytes` (the base page at worst): returns its guest
    /// level (`t.level` stays the walk's depth).
    func splinter(_ t: Translation, toFit eptBytes: UInt64) -> Int {
        guard let mode = guestMachine?.mode else { return t.level }
        var level = t.level &+ 1
        while level < mode.levels &- 1 {
            if mode.pageBytes(level: level) <= eptBytes && mode.leafAllowed[level] { return level }
            level &+= 1
        }
        return mode.levels &- 1   // the base page
    }

    /// The references of the EPT walk of `gpa` for `kind` (setting the EPT's Accessed/Dirty bits),
    /// after backing its page if it has no host frame (an EPT violation; the walk counted is the
    /// retried one). −1 when the page cannot be backed (the failure is kept for the next checked
    /// access).
    func eptReferences(_ gpa: UInt64, _ kind: AccessKind) -> Int {
        let access: AccessKind = kind == .write ? .write : .read
        var walk = ept.translate(gpa, access: access, privilege: .supervisor)
        if walk.fault != nil {
            guard backOrRecord(gpa) != nil else { return -1 }
            walk = ept.translate(gpa, access: access, privilege: .supervisor)
        }
        return walk.references
    }

    /// True when the nested page-walk cache holds the guest table page of `gpa`.
    @inline(__always)
    func lookupNestedPWC(_ gpa: UInt64) -> Bool {
        guard nestedPWCEntries > 0 else { return false }
        let page = gpa >> pageBits
        return nestedPWC[Int(page & UInt64(nestedPWCEntries - 1))] == page &+ 1
    }

    /// Remembers that the guest table page of `gpa` has a host frame (its slot's old entry goes).
    @inline(__always)
    func fillNestedPWC(_ gpa: UInt64) {
        guard nestedPWCEntries > 0 else { return }
        let page = gpa >> pageBits
        nestedPWC[Int(page & UInt64(nestedPWCEntries - 1))] = page &+ 1
    }

    /// INVEPT: an EPT mapping was removed, so every cached translation that may use it goes —
    /// every TLB and page-walk-cache entry of the guest's CPUs and the nested page-walk cache.
    func invalidateTranslations() {
        stats.inveptFlushes += 1
        shadow?.dropAll()
        if nestedPWCEntries > 0 { nestedPWC.update(repeating: 0, count: nestedPWCEntries) }
        guard let cpus = guestMachine?.processorStorage?.cpus else { return }
        for cpu in cpus { cpu.flushAll() }
    }
}

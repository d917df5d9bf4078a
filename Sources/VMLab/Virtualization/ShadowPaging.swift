/// Shadow paging: the hypervisor's tables that map guest virtual addresses straight to host
/// physical addresses, one shadow table per guest address space, in host memory and the host's
/// paging mode. The hardware walks them instead of the guest's tables, so a TLB miss reads n
/// entries, not (n+1)(m+1)−1; the price is paid in VM exits.
///
/// ```
///   guest TLB miss       the CPU walks the shadow table of the running space (n references)
///   shadow entry missing a hidden page fault: VM exit "shadow_fault"; the hypervisor walks the
///                        guest's tables in software, sets the guest leaf's Accessed bit (and
///                        Dirty for a write), and installs gVA page → hPA of its gPA page with the
///                        guest leaf's permissions — but write-protected while the guest PTE is
///                        clean (a 4 KiB shadow page even under a guest huge page)
///   write, entry clean   a write through a write-protected entry of a writable guest page: VM
///                        exit "ad_update"; the hypervisor sets the guest PTE's Dirty bit and
///                        makes the shadow entry writable (later writes do not trap)
///   guest PTE write      guest table pages are write-protected: every write the guest kernel
///                        makes to an entry traps (VM exit "pte_write"); the hypervisor drops the
///                        shadow entries under that guest entry (found through a reverse map:
///                        guest table page → the spaces and VA ranges it translates) and, for a
///                        present last-level leaf with Accessed set, installs the new composed
///                        translation at once (re-sync), write-protected if it is clean — so a
///                        guest clearing D makes the entry read-only again, clearing A drops it;
///                        the guest CPUs' TLB entries of a dropped entry are flushed
///   host evicts a page   every shadow table is emptied (refilled by shadow faults)
/// ```
/// Each VM exit costs `GuestBacking.exitCycles`, counted on the guest machine's cycles (and on
/// the guest CPU's for the exits its accesses cause), in `GuestStats.exitCycles` and by reason.
/// A/D bits: the guest walker of the model walks the guest's tables and writes A/D itself; it
/// does so exactly when the hypervisor would (on the exits above), so the guest kernel's policy
/// reads the bits a real shadow MMU gives it, and the exits are counted.
///
/// What the model simplifies: guest faults are delivered without an exit; the shadow maps only
/// base pages (so the guest CPU's TLB caches base pages: a guest huge page costs one TLB miss,
/// and one shadow fault, per base page); upper-level guest leaves (huge pages) are not re-synced
/// on a trapped write, only dropped.
public final class ShadowPaging {
    /// One guest address space's shadow.
    final class Shadow {
        /// The shadow table (host memory): guest virtual → host physical.
        let table: PageTable
        /// The guest space it shadows (weak: the guest kernel or a script owns it).
        weak var space: PageTable?
        init(table: PageTable, space: PageTable) {
            self.table = table
            self.space = space
        }
    }

    /// Shadow tables by the owner id of the guest space they shadow.
    var shadows: [Int32: Shadow] = [:]
    /// Reverse map: guest table page (guest page number) → (space owner, first VA the table
    /// translates, its level).
    var reverse: [UInt64: [(owner: Int32, base: UInt64, level: Int)]] = [:]

    init() {}

    /// The shadow table of guest space `space`, made on first use.
    func shadow(for space: PageTable, host: Machine) throws(VMError) -> Shadow {
        if let existing = shadows[space.owner] { return existing }
        // Shadows of spaces that died (a process exited) give their tables back first.
        for (owner, dead) in shadows where !(dead.space?.isLive ?? false) {
            try? dead.table.release()
            shadows[owner] = nil
            for key in Array(reverse.keys) { reverse[key]?.removeAll { $0.owner == owner } }
        }
        let made = Shadow(table: try host.makePageTable(), space: space)
        shadows[space.owner] = made
        return made
    }

    /// The shadow table of `space`, if it has one.
    public func table(of space: PageTable) -> PageTable? { shadows[space.owner]?.table }

    /// Releases every shadow table (their frames go back to the host) and the reverse map.
    func dropAll() {
        for shadow in shadows.values { try? shadow.table.release() }
        shadows.removeAll()
        reverse.removeAll()
    }
}

extension GuestBacking {
    /// The shadow side of a guest CPU's walk `t` of `va` in `space` (what the walker reads
    /// equals what the hardware reads in the shadow table once it is filled). A shadow miss is a
    /// VM exit ("shadow_fault") that fills the entry — writable only when the guest PTE is
    /// writable and dirty; a write through a write-protected entry of a writable guest page is a
    /// VM exit ("ad_update") that makes it writable. The shadow maps base pages, so the TLB
    /// caches the translation at the base page size: returns the guest level of that size, as
    /// `walkSecondDimension` does. No allocation when the shadow entry exists.
    func walkShadow(_ shadow: ShadowPaging, _ t: Translation, _ va: UInt64, _ kind: AccessKind, _ space: PageTable,
                    scratch: MMUWalkScratch) -> Int {
        stats.nestedWalks += 1
        stats.references += t.references
        var fillLevel = t.level
        guard t.fault == nil else { return fillLevel }
        if t.pageBytes > pageBytes, let mode = guestMachine?.mode { fillLevel = mode.levels - 1 }
        guard let table = try? shadow.shadow(for: space, host: host).table else { return fillLevel }
        let page = va & ~(pageBytes - 1)
        let layout = host.mode.layout
        let flags = scratch.leafFlags.pointee
        let guestWritable = flags & TLBMeta.writable != 0
        if let slot = try? table.walk(page, level: host.mode.levels - 1, create: false),
           let raw = try? table.readEntry(slot), raw & layout.present != 0 {
            if kind == .write && guestWritable && raw & layout.writable == 0 {
                // The guest PTE was clean: the hypervisor sets its Dirty bit (the guest walker
                // wrote it, standing for the hypervisor) and lets writes through.
                try? table.writeEntry(slot, raw | layout.writable)
                stats.adUpdateExits += 1
                chargeExit(exitCycles)
            }
            return fillLevel
        }
        // A hidden page fault: the hypervisor sets the guest PTE's Accessed bit (and Dirty for a
        // write: the guest walker wrote them) and installs the composed translation.
        let mapFlags = MapFlags(writable: guestWritable && flags & TLBMeta.dirty != 0, user: flags & TLBMeta.user != 0,
                                executable: flags & TLBMeta.executable != 0)
        guard installShadow(shadow, table, space, page: page, gpa: t.physicalAddress, flags: mapFlags) else { return fillLevel }
        stats.shadowFaults += 1
        chargeExit(exitCycles)
        return fillLevel
    }

    /// Maps guest page `page` of `space` to the host frame of `gpa` in `table`, recording in
    /// the reverse map every guest table page on the way. False when the page cannot be backed.
    @discardableResult
    func installShadow(_ shadow: ShadowPaging, _ table: PageTable, _ space: PageTable, page: UInt64, gpa: UInt64,
                       flags: MapFlags) -> Bool {
        guard let hpa = backOrRecord(gpa & ~(pageBytes - 1)) else { return false }
        if (try? table.lookup(page)) != nil { _ = try? table.unmap(page, length: pageBytes) }
        guard (try? table.map(page, to: hpa, pageBytes: pageBytes, flags: flags)) != nil else { return false }
        let mode = space.mode
        guard let tables = try? space.descend(page).tables else { return true }
        for (level, tableAddress) in tables.enumerated() {
            let span = mode.pageBytes(level: level) &* UInt64(mode.entries(level: level))
            let base = span == 0 ? 0 : page & ~(span &- 1)
            let key = tableAddress >> pageBits
            if shadow.reverse[key]?.contains(where: { $0.owner == space.owner && $0.base == base && $0.level == level }) != true {
                shadow.reverse[key, default: []].append((space.owner, base, level))
            }
        }
        return true
    }

    /// A guest PTE write at guest-physical `slot` (the new entry `raw`) trapped: counts the VM
    /// exit, drops the shadow entries under that guest entry in every space whose tables use
    /// the page (and the guest CPUs' TLB entries of what was dropped), and re-syncs a present,
    /// Accessed last-level leaf at once (write-protected while clean).
    func trapTableWrite(_ shadow: ShadowPaging, slot: UInt64, raw: UInt64, guestMode mode: PagingMode) {
        stats.pteWriteExits += 1
        chargeExit(exitCycles)
        guard let users = shadow.reverse[slot >> pageBits] else { return }
        let index = (slot & (pageBytes - 1)) / UInt64(mode.pteBytes)
        for user in users {
            guard let target = shadow.shadows[user.owner] else { continue }
            let size = mode.pageBytes(level: user.level)
            let va = user.base &+ index &* size
            let dropped = (try? target.table.unmap(va, length: size)) ?? 0
            if dropped > 0, let space = target.space, let cpus = guestMachine?.processorStorage?.cpus {
                // What the hardware cached of the dropped entries goes too (KVM's TLB flush after
                // zapping shadow entries): a guest clearing D gets a trap at its next write.
                for cpu in cpus { cpu.invalidate(space, va: va, length: size) }
            }
            let entry = mode.decode(raw, level: user.level)
            // Only an entry the guest has used is re-synced (a cleared Accessed bit must be set
            // again by the next access's shadow fault); a clean one is installed write-protected.
            let layout = mode.layout
            let accessed = layout.accessed == 0 || entry.accessed
            let dirty = layout.dirty == 0 || entry.dirty
            guard user.level == mode.levels - 1, entry.present, accessed, let space = target.space else { continue }
            let gpa = entry.frame << UInt64(mode.pageBits)
            installShadow(shadow, target.table, space, page: va, gpa: gpa,
                          flags: MapFlags(writable: entry.writable && dirty, user: entry.user, executable: entry.executable))
        }
    }
}

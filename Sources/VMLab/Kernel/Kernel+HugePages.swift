/// Transparent huge pages (Linux's THP, simplified): huge pages at fault, promotion of a full
/// region, splitting, khugepaged (the hugetlb pool is in Kernel+HugetlbPool).
///
/// **Which memory.** A THP region is a huge-page-aligned range (2 MiB on x86_64 and Sv39/48/57,
/// 4 MiB on x86_32) lying wholly in one private anonymous VMA that is not a `hugepage`
/// (hugetlb) mapping, not a stack, guard or reserved range, not PROT_NONE and not given
/// `madvise(nohugepage)`; with THP "madvise" the VMA must also have `madvise(hugepage)`.
///
/// **When.** (1) A demand-zero fault in a region whose upper entry is empty maps a zeroed huge
/// page when the buddy allocator has a free aligned block (`thp_fault_alloc`); otherwise it maps
/// a base page (`thp_fault_fallback`). With reclaim on, a huge page is only taken while free
/// frames stay above the high watermark. (2) When a fault maps the last missing base page of a
/// region, the region is promoted at once (a synchronous collapse). (3) `khugepaged` collapses
/// regions with at most `maxPtesNone` absent pages. A collapse copies the present base pages into
/// one fresh aligned block (absent ones read as zero), maps it with one leaf, frees the base
/// frames and the leaf table, and shoots down the range (`thp_collapse_alloc`, or
/// `thp_collapse_alloc_failed` when no block is free). A region with a swapped-out, shared
/// (COW after fork, refcount > 1) or pinned page is never collapsed (Linux's max_ptes_swap and
/// max_ptes_shared set to 0).
///
/// **Split.** munmap, mprotect, madvise, mlock or a fixed mmap whose range starts or ends inside
/// a transparent huge page split it first: the huge leaf becomes a table of base-page PTEs with
/// the same frames, permissions and Accessed/Dirty bits (the buddy block is split into single
/// frames, so each can be freed alone); a huge page other processes still share (after fork) is
/// split into private copies instead. A COW write to a huge page copies it whole; when no huge
/// block is free it splits into copies (so the write costs 512 base-page copies, not a SIGSEGV).
/// Under memory pressure reclaim splits a THP the policy picks and swaps its base pages out
/// (`Kernel+HugeReclaim`); a split of a THP the policy tracks hands its base pages to the policy.
extension Kernel {
    // MARK: settings

    /// Sets the transparent-huge-page mode. EINVAL for "always"/"madvise" when the paging mode
    /// has no huge page one level above the leaf.
    public func setTransparentHugePages(_ newMode: TransparentHugePageMode) throws(KernelError) {
        if newMode != .never && hugePageBytes == nil {
            throw .fail(.EINVAL, "thp", "paging mode \(mode.name) has no huge pages one level above the leaf")
        }
        hugePages.mode = newMode
    }

    /// Sets khugepaged's `max_ptes_none`: 0 … base pages per huge page − 1. EINVAL otherwise.
    public func setMaxPtesNone(_ count: Int) throws(KernelError) {
        guard count >= 0, count < Int(hugeFrames) else {
            throw .fail(.EINVAL, "khugepaged", "max_ptes_none must be 0…\(hugeFrames - 1), got \(count)")
        }
        hugePages.maxPtesNone = count
    }

    /// Base pages per huge page (1 without huge pages).
    var hugeFrames: UInt64 { (hugePageBytes ?? pageBytes) / pageBytes }

    /// True when transparent huge pages may back `v` under the current mode.
    func thpAllowed(_ v: VMA) -> Bool {
        guard hugePageBytes != nil, v.object == nil, !v.isShared, !v.protection.isNone,
              v.flags.isDisjoint(with: [.huge, .stack, .guardRegion, .reserved, .hugeRefused]) else { return false }
        switch hugePages.mode {
        case .always: return true
        case .madvise: return v.flags.contains(.hugeAdvised)
        case .never: return false
        }
    }

    /// The first address of the THP region holding `va` when it lies wholly in `v` and THP may
    /// back `v`; nil otherwise.
    func thpRegion(_ v: VMA, _ va: UInt64) -> UInt64? {
        guard let huge = hugePageBytes, thpAllowed(v) else { return nil }
        let base = va & ~(huge - 1)
        return base >= v.start && v.end - base >= huge ? base : nil
    }

    /// True when a huge leaf may lie at `base` in `v`: a hugetlb area, or private anonymous
    /// memory covering the whole huge page (`check()` uses it).
    func mayHoldHugePage(_ v: VMA, _ base: UInt64, bytes: UInt64) -> Bool {
        if v.flags.contains(.huge) { return true }
        return v.object == nil && !v.isShared && base >= v.start && v.end - base >= bytes
    }

    // MARK: faults

    /// A demand-zero fault at `va` of `v`: maps a zeroed transparent huge page when `va` is in a
    /// THP region whose upper entry is empty and an aligned block is free. True when it did;
    /// a region that could have had one but found no block counts `thp_fault_fallback`.
    func faultHugePage(_ p: Process, _ v: VMA, _ va: UInt64) throws(KernelError) -> Bool {
        guard let base = thpRegion(v, va),
              let slot = try? p.space.walk(base, level: hugeLevel, create: true),
              (try? p.space.readEntry(slot)) == 0 else { return false }
        var head: UInt64?
        if reclaimer.map({ Int(frameAllocator.freeFrames) - Int(hugeFrames) >= $0.high }) ?? true {
            head = try? machine.allocateFrames(order: hugeOrder, state: .user, owner: p.space.owner,
                                               purpose: "a transparent huge page")
        }
        guard let head else {
            hugePages.counters.thpFaultFallback += 1
            emit("thp_fault_fallback", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base)))])
            return false
        }
        try installHugePage(p, base, head: head, writable: v.protection.write, executable: v.protection.execute)
        machineCounters.cycles &+= costModel.pointee.zeroFill &* Int(hugeFrames)
        hugePages.counters.thpFaultAlloc += 1
        emit("thp_fault_alloc", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base)))])
        return true
    }

    /// After a fault mapped the base page at `va` of `v`: when every base page of its THP region
    /// is now present and collapsible, promotes the region to one huge page.
    func promoteIfFull(_ p: Process, _ v: VMA, _ va: UInt64) {
        guard let base = thpRegion(v, va), let scan = scanRegion(p, base, from: va, maxNone: 0) else { return }
        collapseRegion(p, v, base, scan)
    }

    // MARK: collapse

    /// Looks at the leaf table of the region at `base` of `p`, starting with the page after
    /// `from` (so a fault that fills pages in order stops at once): nil unless the region is
    /// mapped through a leaf table with at most `maxNone` empty entries, no swap entry, and only
    /// present pages that are private to this mapping (refcount = mapcount = 1), unpinned single
    /// frames with the same user/execute bits.
    func scanRegion(_ p: Process, _ base: UInt64, from: UInt64, maxNone: Int) -> RegionScan? {
        let space = p.space
        let leafLevel = mode.levels - 1
        guard space.isLive, let d = try? space.descend(base), d.level == leafLevel, d.tables.count == mode.levels else { return nil }
        let table = d.tables[leafLevel]
        let count = Int(hugeFrames)
        let first = Int(((from &- base) / pageBytes + 1) % hugeFrames)
        let permissionBits = mode.layout.user | mode.layout.executable | mode.layout.noExecute
        var none = 0, present = 0
        var permissions: UInt64?
        for k in 0..<count {
            let i = UInt64((first + k) % count)
            let raw = (try? space.readEntry(table + i * space.pteBytes)) ?? 0
            if raw == 0 {
                none += 1
                if none > maxNone { return nil }
                continue
            }
            guard isPresent(raw) else { return nil }
            let info = frameInfo(entryFrame(space, raw))
            guard info.state == .user, info.order == 0, info.refcount == 1, info.mapcount == 1, !info.pinned,
                  ownerIDs.contains(info.owner) else { return nil }
            let bits = raw & permissionBits
            if permissions == nil { permissions = bits } else if permissions != bits { return nil }
            present += 1
        }
        guard present > 0 else { return nil }
        let upperSlot = d.tables[hugeLevel] + space.index(base, level: hugeLevel) * space.pteBytes
        return RegionScan(upperSlot: upperSlot, table: table, present: present)
    }

    /// Collapses the region at `base` of `p` (checked by `scanRegion`) into one huge page:
    /// copies the present base pages into a fresh aligned block, maps it with one leaf, frees the
    /// base frames and the leaf table, shoots the range down. False (and counted) when no
    /// aligned block is free.
    @discardableResult
    func collapseRegion(_ p: Process, _ v: VMA, _ base: UInt64, _ scan: RegionScan) -> Bool {
        guard let huge = hugePageBytes,
              let head = try? machine.allocateFrames(order: hugeOrder, state: .user, owner: p.space.owner,
                                                     purpose: "a collapsed huge page") else {
            hugePages.counters.thpCollapseAllocFailed += 1
            emit("thp_collapse_alloc_failed", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base)))])
            return false
        }
        let space = p.space
        var keep: UInt64 = 0
        var old: [UInt64] = []
        old.reserveCapacity(scan.present)
        for i in 0..<hugeFrames {
            let raw = (try? space.readEntry(scan.table + i * space.pteBytes)) ?? 0
            guard isPresent(raw) else { continue }
            keep |= raw & (mode.layout.accessed | mode.layout.dirty)
            let frame = entryFrame(space, raw)
            try? memory.copy(from: memory.address(frame: frame),
                                     to: memory.address(frame: head + i), length: pageBytes)
            old.append(frame)
        }
        let leaf = userEntry(space, frame: head, writable: v.protection.write, executable: v.protection.execute,
                             level: hugeLevel) | keep
        try? space.writeEntry(scan.upperSlot, leaf)
        try? machine.freeFrames(first: frameNumber(scan.table), order: 0)
        space.tablePages[mode.levels - 1] -= 1
        space.mappedBytes = space.mappedBytes &+ huge &- UInt64(old.count) * pageBytes
        for frame in old { adjustFrame(frame, refs: -1, maps: -1) }
        adjustFrame(head, refs: 1, maps: 1)
        mappingsChanged(space, va: base, length: huge)
        trackHugePage(p, base)
        machineCounters.cycles &+= costModel.pointee.pageCopy &* old.count
        hugePages.counters.thpCollapseAlloc += 1
        emit("thp_collapse", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base))),
                              ("pages", .integer(old.count))])
        return true
    }

    /// One pass of khugepaged: looks at THP regions (each costs its base pages of the budget
    /// `pages`, like Linux's `pages_to_scan`, default 4096), processes by pid and addresses
    /// upward, resuming where the last pass stopped (wrapping once at the end), and collapses
    /// every region mapped by base pages with at most `maxPtesNone` absent pages (see
    /// `scanRegion`). EINVAL for a budget below 1.
    public func khugepaged(pages: Int = 4096) throws(KernelError) -> KhugepagedScan {
        guard pages >= 1 else { throw .fail(.EINVAL, "khugepaged", "pages must be at least 1, got \(pages)") }
        var result = KhugepagedScan()
        guard let huge = hugePageBytes else { return result }
        // Every THP region, in scan order.
        var regions: [(p: Process, v: VMA, base: UInt64)] = []
        for p in processList {
            for v in p.vmas where thpAllowed(v) {
                var base = (v.start &+ huge &- 1) & ~(huge - 1)
                while base >= v.start, base < v.end, v.end - base >= huge {
                    regions.append((p, v, base))
                    base &+= huge
                }
            }
        }
        guard !regions.isEmpty else { return result }
        let cursor = hugePages.cursor
        let first = regions.firstIndex { ($0.p.pid, $0.base) >= cursor } ?? 0
        var budget = pages
        var k = 0
        while budget > 0 && k < regions.count {
            let (p, v, base) = regions[(first + k) % regions.count]
            k += 1
            budget -= Int(hugeFrames)
            result.scanned += 1
            hugePages.counters.khugepagedScanned += 1
            guard let scan = scanRegion(p, base, from: base &- pageBytes, maxNone: hugePages.maxPtesNone) else { continue }
            if collapseRegion(p, v, base, scan) { result.collapsed += 1 } else { result.failed += 1 }
        }
        let next = regions[(first + k) % regions.count]
        hugePages.cursor = (next.p.pid, next.base)
        return result
    }

    // MARK: split

    /// Splits the transparent huge page mapped at `base` in `p` (nothing when no huge leaf is
    /// there): the leaf becomes a table of base-page PTEs with the same frames, permissions and
    /// Accessed/Dirty bits when this mapping holds the only reference; a huge page still shared
    /// (after fork) becomes private copies. ENOMEM when no frame is free for the table or copies.
    func splitHugePage(_ p: Process, _ base: UInt64, call: String) throws(KernelError) {
        let space = p.space
        guard hugePageBytes != nil, let leaf = leafOf(space, base), leaf.level == hugeLevel, isPresent(leaf.raw) else { return }
        let head = entryFrame(space, leaf.raw)
        let info = frameInfo(head)
        let inPlace = info.refcount == 1
        let tableFrame: UInt64
        do {
            tableFrame = try machine.allocateFrames(order: 0, state: .pageTable, owner: space.owner,
                                                    tableLevel: hugeLevel + 1, purpose: "a page table")
        } catch {
            throw .from(error, in: call)
        }
        var frames: [UInt64] = []
        frames.reserveCapacity(Int(hugeFrames))
        if inPlace {
            do { try machine.splitFrames(first: head, order: hugeOrder) } catch {
                try? machine.freeFrames(first: tableFrame, order: 0)
                throw .from(error, in: call)
            }
            for i in 0..<hugeFrames { frames.append(head + i) }
        } else {
            for i in 0..<hugeFrames {
                guard let copy = try? machine.allocateFrames(order: 0, state: .user, owner: space.owner,
                                                             purpose: "a page of a split huge page") else {
                    for f in frames { try? machine.freeFrames(first: f, order: 0) }
                    try? machine.freeFrames(first: tableFrame, order: 0)
                    throw .fail(.ENOMEM, call, "no room to split the shared huge page at \(Units.hex(base)) into copies")
                }
                try? memory.copy(from: memory.address(frame: head + i),
                                         to: memory.address(frame: copy), length: pageBytes)
                frames.append(copy)
            }
            machineCounters.cycles &+= costModel.pointee.pageCopy &* Int(hugeFrames)
        }
        let writable = inPlace ? isWritable(leaf.raw) : p.vma(containing: base)?.protection.write ?? false
        if inPlace {
            for frame in frames {
                try? memory.updateInfo(frame: frame) { $0.refcount = 1; $0.mapcount = 1; $0.pinned = info.pinned }
            }
            trackSplitPages(p, base, frames, dirty: leaf.raw & mode.layout.dirty != 0)
        } else {
            for frame in frames { adjustFrame(frame, refs: 1, maps: 1) }
            adjustFrame(head, refs: -1, maps: -1)
        }
        linkSplitTable(space, slot: leaf.slot, raw: leaf.raw, base: base, tableFrame: tableFrame, frames: frames, writable: writable)
        hugePages.counters.thpSplitPage += 1
        emit("thp_split", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base)))])
    }

    /// Fills the fresh table page `tableFrame` with base-page PTEs for `frames` (the permissions,
    /// user bit and A/D bits of the huge leaf `raw`, writable as `writable`) and puts it in place
    /// of the huge leaf at `slot` (for the huge page at `base`), shooting the range down.
    func linkSplitTable(_ space: PageTable, slot: UInt64, raw: UInt64, base: UInt64, tableFrame: UInt64,
                        frames: [UInt64], writable: Bool) {
        let executable = mode.layout.executable != 0 ? raw & mode.layout.executable != 0 : raw & mode.layout.noExecute == 0
        let user = raw & mode.layout.user != 0
        let keep = raw & (mode.layout.accessed | mode.layout.dirty)
        let table = memory.address(frame: tableFrame)
        for (i, frame) in frames.enumerated() {
            try? space.writeEntry(table + UInt64(i) * space.pteBytes,
                                  userEntry(space, frame: frame, writable: writable, executable: executable, user: user) | keep)
        }
        try? space.writeEntry(slot, space.tableEntry(table))
        space.tablePages[hugeLevel + 1] += 1
        mappingsChanged(space, va: base, length: hugePageBytes ?? pageBytes)
    }

    /// Splits the transparent huge pages of `p` that `start` or `end` falls inside, so that a
    /// system call on `[start, end)` can work on base pages.
    func splitHugePages(_ p: Process, _ start: UInt64, _ end: UInt64, call: String) throws(KernelError) {
        guard let huge = hugePageBytes else { return }
        for x in [start, end] where x % huge != 0 {
            if let v = p.vma(containing: x), v.flags.contains(.huge) { continue }
            try splitHugePage(p, x & ~(huge - 1), call: call)
        }
    }
}

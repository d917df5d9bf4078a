/// Page-table and frame primitives of the kernel (xv6 vm.c style): reading and writing leaf
/// PTEs of a process, the swap-entry encoding, and the frame reference counts.
extension Kernel {
    // MARK: frames

    /// Frame number of a physical address.
    @inline(__always)
    func frameNumber(_ pa: UInt64) -> UInt64 { pa >> UInt64(mode.pageBits) }

    /// Allocates a zeroed frame for process `owner` (refcount 0 until mapped or cached).
    func allocFrame(owner: Int32, call: String) throws(KernelError) -> UInt64 {
        if reclaimer != nil { return try allocReclaiming(owner: owner, call: call) }
        do {
            return try machine.allocateFrames(order: 0, state: .user, owner: owner, purpose: "a page of \(call)")
        } catch {
            throw .from(error, in: call)
        }
    }

    /// Changes the counts of `frame` by `refs` and `maps`; frees it when its refcount reaches 0
    /// (with the whole block it heads: a huge page is counted on its first frame).
    func adjustFrame(_ frame: UInt64, refs: Int32, maps: Int32) {
        var left: Int32 = 1
        var order = 0
        try? memory.updateInfo(frame: frame) { info in
            info.refcount += refs
            info.mapcount += maps
            left = info.refcount
            order = Int(info.order)
            if info.mapcount == 0 { info.pinned = false }
        }
        if left <= 0 {
            forgetFrame(frame)
            if returnToPool(frame) { return }
            try? machine.freeFrames(first: frame, order: order)
        }
    }

    /// The allocation order of a huge page (log2 of its base pages).
    var hugeOrder: Int { (hugePageBytes ?? pageBytes).trailingZeroBitCount - mode.pageBits }

    /// Metadata of `frame` (the default for an impossible frame number).
    func frameInfo(_ frame: UInt64) -> FrameInfo {
        (try? memory.info(frame: frame)) ?? FrameInfo()
    }

    /// Tells the CPUs that `[va, va + length)` of `space` changed: `invlpg` here, a shootdown
    /// to the others that ran it (`Processors.mappingsChanged`). Nothing before the CPUs exist.
    @inline(__always)
    func mappingsChanged(_ space: PageTable, va: UInt64, length: UInt64) {
        processorSlot.pointee?._withUnsafeGuaranteedRef { $0.mappingsChanged(space, va: va, length: length) }
    }

    // MARK: PTEs

    /// The leaf-level slot of `va` in `space`, creating tables when `create`; nil when a table is
    /// missing (and `create` is false).
    func leafSlot(_ space: PageTable, _ va: UInt64, create: Bool) throws(KernelError) -> UInt64? {
        if create { try swapInTable(space, va, pid: 0) }   // a table in swap comes back before it is written
        do {
            return try space.walk(va, level: mode.levels - 1, create: create)
        } catch {
            throw .from(error, in: "page table")
        }
    }

    /// The raw entry that maps `va`: a leaf at the last level or a huge-page leaf above it
    /// (0 when no table reaches it).
    func readPTE(_ space: PageTable, _ va: UInt64) -> UInt64 {
        leafOf(space, va)?.raw ?? 0
    }

    /// Where the descent for `va` stops: the entry (a leaf, huge or not, or a not-present entry),
    /// its slot and level. Nil for a non-canonical address or a released space.
    func leafOf(_ space: PageTable, _ va: UInt64) -> (slot: UInt64, raw: UInt64, level: Int)? {
        guard space.isLive else { return nil }
        return space.stopEntry(va)
    }

    /// The leaf entry mapping frame `frame` for a user page with `writable`/`executable`,
    /// or supervisor-only when `user` is false (how PROT_NONE pages keep their frame).
    func userEntry(_ space: PageTable, frame: UInt64, writable: Bool, executable: Bool, user: Bool = true,
                   level: Int? = nil) -> UInt64 {
        space.leafEntry(memory.address(frame: frame), level: level ?? mode.levels - 1,
                        flags: MapFlags(writable: writable, user: user, executable: executable))
    }

    /// Maps `frame` at page `va` of `p` (no entry must be there), counting the mapping
    /// (mapcount + 1, refcount + 1).
    func installPage(_ p: Process, _ va: UInt64, frame: UInt64, writable: Bool, executable: Bool,
                     user: Bool = true, call: String) throws(KernelError) {
        guard let slot = try leafSlot(p.space, va, create: true) else {
            throw .fail(.EFAULT, call, "no page table for \(Units.hex(va))")
        }
        try installPage(p, at: slot, frame: frame, writable: writable, executable: executable, user: user, call: call)
    }

    /// `installPage` at the leaf entry `slot` the caller has just found (empty, or the swap
    /// entry being replaced).
    func installPage(_ p: Process, at slot: UInt64, frame: UInt64, writable: Bool, executable: Bool,
                     user: Bool = true, call: String) throws(KernelError) {
        let space = p.space
        do {
            try space.writeEntry(slot, userEntry(space, frame: frame, writable: writable, executable: executable, user: user))
        } catch {
            throw .from(error, in: call)
        }
        space.mappedBytes += pageBytes
        adjustFrame(frame, refs: 1, maps: 1)
    }

    /// Rewrites the present leaf entry at `slot` (for the page of `bytes` at `va`) and
    /// invalidates the page's TLB entries.
    func rewritePTE(_ p: Process, slot: UInt64, va: UInt64, raw: UInt64, bytes: UInt64? = nil) {
        try? p.space.writeEntry(slot, raw)
        mappingsChanged(p.space, va: va, length: bytes ?? pageBytes)
    }

    /// Maps the huge page whose first frame is `head` at `va` (huge-page aligned, nothing mapped
    /// there), counting the mapping on the head frame.
    func installHugePage(_ p: Process, _ va: UInt64, head: UInt64, writable: Bool, executable: Bool) throws(KernelError) {
        let slot: UInt64?
        do { slot = try p.space.walk(va, level: hugeLevel, create: true) } catch { throw .from(error, in: "huge-page fault") }
        guard let slot else { throw .fail(.EFAULT, "huge-page fault", "no page table for \(Units.hex(va))") }
        do {
            try p.space.writeEntry(slot, userEntry(p.space, frame: head, writable: writable, executable: executable, level: hugeLevel))
        } catch {
            throw .from(error, in: "huge-page fault")
        }
        p.space.mappedBytes += hugePageBytes ?? pageBytes
        adjustFrame(head, refs: 1, maps: 1)
    }

    /// True when the raw entry is present.
    @inline(__always)
    func isPresent(_ raw: UInt64) -> Bool { raw & mode.layout.present != 0 }

    /// The frame number a present raw entry points to.
    @inline(__always)
    func entryFrame(_ space: PageTable, _ raw: UInt64) -> UInt64 { frameNumber(space.frameAddress(raw)) }

    /// True when a present raw entry allows writes.
    @inline(__always)
    func isWritable(_ raw: UInt64) -> Bool { raw & mode.layout.writable != 0 }

    // MARK: swap entries

    /// A not-present PTE that remembers swap slot `slot`: present bit clear, `slot + 1` in the
    /// frame field (so it is never 0). Reclaim writes these when it evicts a page (`evictFrame`).
    public func swapEntry(slot: UInt64) -> UInt64 {
        ((slot + 1) & PTELayout.lowMask(mode.layout.frameBits)) << UInt64(mode.layout.frameShift)
    }

    /// The swap slot a not-present, non-zero PTE carries, or nil.
    public func swapSlot(_ raw: UInt64) -> UInt64? {
        guard raw != 0, !isPresent(raw) else { return nil }
        let field = (raw >> UInt64(mode.layout.frameShift)) & PTELayout.lowMask(mode.layout.frameBits)
        return field == 0 ? nil : field - 1
    }

    // MARK: walking a range

    /// Calls `body(va, slot, raw, tables)` for every leaf-level slot in `[start, end)` whose
    /// entry is not 0, and for every huge-page leaf overlapping it (with `va` its first address),
    /// skipping ranges without tables a whole table span at a time. `tables` holds the table
    /// address of each level on the path, root first, so the entry's level is
    /// `tables.count - 1`. One descent per leaf table; its entries are then read in a row.
    func forEachEntry(_ space: PageTable, _ start: UInt64, _ end: UInt64,
                      _ body: (UInt64, UInt64, UInt64, [UInt64]) throws(KernelError) -> Void) throws(KernelError) {
        var va = start
        let leafLevel = mode.levels - 1
        // Bytes one leaf table maps (the whole space for a one-level mode).
        let tableSpan = leafLevel > 0 ? space.pageBytes(level: leafLevel - 1) : 0
        while va < end {
            guard let d = try? space.descend(va) else { return }
            if d.level == leafLevel {
                let spanEnd = tableSpan == 0 ? end : (va & ~(tableSpan - 1)) &+ tableSpan
                let stop = spanEnd <= va ? end : min(end, spanEnd)
                var slot = d.slot
                while va < stop {
                    let raw = (try? space.readEntry(slot)) ?? 0
                    if raw != 0 { try body(va, slot, raw, d.tables) }
                    va &+= pageBytes
                    slot &+= space.pteBytes
                    if va == 0 { return }
                }
            } else {
                // Stopped above the leaf level: a huge page, or no table below.
                let span = space.pageBytes(level: d.level)
                if isPresent(d.raw) { try body(va & ~(span - 1), d.slot, d.raw, d.tables) }
                let next = (va & ~(span - 1)) &+ span
                if next <= va { return }
                va = next
            }
        }
    }

    /// Clears every entry in `[start, end)` of `p`: present pages lose a mapping (frames whose
    /// refcount drops to 0 are freed), swap entries are dropped; table pages that become empty
    /// are freed; TLBs are shot down. xv6 `uvmunmap`.
    func zapRange(_ p: Process, _ start: UInt64, _ end: UInt64) {
        let space = p.space
        guard space.isLive, start < end else { return }
        zapSwappedTables(p, start, end)
        var candidates: [[(table: UInt64, parentSlot: UInt64)]] = Array(repeating: [], count: mode.levels)
        var cleared = false
        try? forEachEntry(space, start, end) { (va, slot, raw, tables) throws(KernelError) in
            try? space.writeEntry(slot, 0)
            cleared = true
            if isPresent(raw) {
                space.mappedBytes -= space.pageBytes(level: tables.count - 1)
                adjustFrame(entryFrame(space, raw), refs: -1, maps: -1)
            } else if let swapSlot = swapSlot(raw) {
                swapFreeHook?(swapSlot)
            }
            for l in stride(from: tables.count - 1, to: 0, by: -1) where candidates[l].last?.table != tables[l] {
                candidates[l].append((tables[l], tables[l - 1] + space.index(va, level: l - 1) * space.pteBytes))
            }
        }
        guard cleared else { return }
        try? space.freeEmptyTables(&candidates)
        mappingsChanged(space, va: start, length: end - start)
    }
}

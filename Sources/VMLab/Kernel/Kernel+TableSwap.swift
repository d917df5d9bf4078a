/// Swapping page tables out (off by default: Linux never does it; VMS and Windows page their
/// page tables). With `setSwapsPageTables(true)` a last-level table page whose entries are all
/// not present (empty or swap entries) can go to swap like a data page.
///
/// **When.** After reclaim evicts a private anonymous page, the leaf table that held its PTE is
/// looked at in every process that mapped it; when none of its entries is present any more, the
/// table is swapped out. The table of the address a fault is being handled for stays (and every
/// table while fork copies the parent).
///
/// **Encoding.** The table's bytes go to a swap slot (one user: the parent entry); its parent
/// entry, one level above the last, becomes a not-present entry carrying the slot exactly as a
/// PTE carries a data page's slot (`swapEntry(slot:)`: present bit clear, slot + 1 in the frame
/// field). No huge page is ever swapped, so a non-zero, not-present entry one level above the
/// leaf always means "this table is in swap". The frame is freed and `tablePages` of the last
/// level goes down by one; the range is shot down (TLB and page-walk caches).
///
/// **Back.** A fault under the range first reads the table back (a *table swap-in*: a fresh
/// table frame, the device's read latency), frees its slot, then handles the data fault as
/// usual (a swap-in from the slots its entries name). munmap and exit do not read tables back:
/// they clear the entries in the slot's image (freeing the data slots they name) and free the
/// table's slot when the image is empty; fork gives the child a copy of the image in a slot of
/// its own (the data slots it names gain a user), again without reading it back.
extension Kernel {
    /// Turns swapping of page tables on or off. EINVAL without a swap device or in a mode with
    /// one table level. Tables already in swap stay there until a fault needs them.
    public func setSwapsPageTables(_ on: Bool) throws(KernelError) {
        guard let r = reclaimer, swap != nil else {
            throw .fail(.EINVAL, "swap", "swapping page tables needs a swap device")
        }
        guard !on || mode.levels >= 2 else {
            throw .fail(.EINVAL, "swap", "paging mode \(mode.name) has one table level: there is no table page to swap")
        }
        r.swapsPageTables = on
    }

    /// Bytes one last-level table maps.
    var leafTableSpan: UInt64 { mode.pageBytes(level: mode.levels - 2) }

    /// Bytes of one last-level table page.
    var leafTableBytes: Int { mode.entries(level: mode.levels - 1) * Int(mode.pteBytes) }

    /// After reclaim cleared the PTE of `va` in `p`: swaps the leaf table holding it out when
    /// the option is on and none of its entries is present. Nothing when it must stay (held by a
    /// fault or fork) or swap is full.
    func swapOutTableIfUnused(_ p: Process, _ va: UInt64) {
        guard let r = reclaimer, r.swapsPageTables, let swap, mode.levels >= 2, p.space.isLive,
              let d = try? p.space.descend(va), d.level == mode.levels - 1, d.tables.count == mode.levels else { return }
        let space = p.space
        let table = d.tables[mode.levels - 1]
        guard r.tableHold != Reclaimer.holdEveryTable, r.tableHold != table else { return }
        for i in 0..<UInt64(mode.entries(level: mode.levels - 1)) {
            if isPresent((try? space.readEntry(table + i * space.pteBytes)) ?? 0) { return }
        }
        guard let bytes = try? memory.readBytes(table, count: leafTableBytes), let slot = swap.allocateSlot() else { return }
        swap.store(slot, bytes)
        swap.users[slot] = 1                        // the parent entry
        let upper = mode.levels - 2
        try? space.writeEntry(d.tables[upper] + space.index(va, level: upper) * space.pteBytes, swapEntry(slot: UInt64(slot)))
        try? machine.freeFrames(first: frameNumber(table), order: 0)
        space.tablePages[mode.levels - 1] -= 1
        let base = va & ~(leafTableSpan - 1)
        mappingsChanged(space, va: base, length: leafTableSpan)
        r.swappedTables += 1
        r.counters.tableSwapOuts += 1
        machineCounters.cycles &+= swap.writeLatency
        emit("table_swap_out", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base))), ("slot", .integer(slot))])
    }

    /// The swap slot of the swapped-out leaf table covering `va` in `space` and the address of
    /// its parent entry, or nil when that table is not in swap.
    func swappedTable(_ space: PageTable, _ va: UInt64) -> (slot: Int, parent: UInt64)? {
        guard mode.levels >= 2, space.isLive, let d = try? space.descend(va), d.level == mode.levels - 2,
              let slot = swapSlot(d.raw) else { return nil }
        return (Int(slot), d.slot)
    }

    /// Before a fault (or a mapping) at `va` of `space`: reads the leaf table covering it back
    /// from swap when it is there (a table swap-in: fresh table frame, read latency; the slot is
    /// freed). ENOMEM when no frame can be found for it.
    func swapInTable(_ space: PageTable, _ va: UInt64, pid: Int) throws(KernelError) {
        guard let r = reclaimer, r.swappedTables > 0, let swap, let out = swappedTable(space, va) else { return }
        var frame = try? machine.allocateFrames(order: 0, state: .pageTable, owner: space.owner,
                                                tableLevel: mode.levels - 1, purpose: "a page table")
        if frame == nil && reclaim(until: 1, thorough: true) > 0 {
            frame = try? machine.allocateFrames(order: 0, state: .pageTable, owner: space.owner,
                                                tableLevel: mode.levels - 1, purpose: "a page table")
        }
        // Reclaim may have changed the tables (never this one: it is in swap): look again.
        guard let frame, let still = swappedTable(space, va), still == out else {
            if let frame { try? machine.freeFrames(first: frame, order: 0) }
            if swappedTable(space, va) == nil { return }
            throw .fail(.ENOMEM, "table swap-in", "no frame is free for the page table of \(Units.hex(va))")
        }
        let table = memory.address(frame: frame)
        if let bytes = swap.load(out.slot) { try? memory.writeBytes(table, bytes) }
        swap.releaseSlot(out.slot)
        try? space.writeEntry(out.parent, space.tableEntry(table))
        space.tablePages[mode.levels - 1] += 1
        r.swappedTables -= 1
        r.counters.tableSwapIns += 1
        machineCounters.cycles &+= swap.readLatency
        emit("table_swap_in", [("pid", .integer(pid)), ("va", .integer(Int(truncatingIfNeeded: va & ~(leafTableSpan - 1)))),
                               ("slot", .integer(out.slot)), ("pa", .integer(Int(table)))])
    }

    /// Start of a fault of `p` at `va`: the leaf table of `va` (when resident) is not swapped
    /// out while the fault is handled. Returns the hold to put back when the fault is done.
    func holdTable(_ p: Process, _ va: UInt64) -> UInt64? {
        guard let r = reclaimer else { return nil }
        let previous = r.tableHold
        if r.swapsPageTables, previous != Reclaimer.holdEveryTable { r.tableHold = leafTable(p.space, va) }
        return previous
    }

    /// The address of the resident leaf table covering `va` in `space`, or nil.
    func leafTable(_ space: PageTable, _ va: UInt64) -> UInt64? {
        guard mode.levels >= 2, let slot = try? space.walk(va, level: mode.levels - 1, create: false) else { return nil }
        return slot - space.index(va, level: mode.levels - 1) * space.pteBytes
    }

    /// A fault of `p` at `va` under a swapped-out table: reads the table back (and holds it
    /// for the rest of the fault). SIGSEGV "out of memory" when no frame can hold it.
    func faultInTable(_ p: Process, _ va: UInt64, _ access: AccessKind) throws(KernelError) {
        guard let r = reclaimer, r.swappedTables > 0, swappedTable(p.space, va) != nil else { return }
        do { try swapInTable(p.space, va, pid: p.pid) } catch { throw try segv(p, va, access, .outOfMemory) }
        if r.swapsPageTables, r.tableHold != Reclaimer.holdEveryTable { r.tableHold = leafTable(p.space, va) }
    }

    /// fork of `parent` into `child`, area `v`: each swapped-out table of the parent under `v`
    /// gets a copy in swap for the child (a slot of its own, the entries of `v` copied into its
    /// image, each data slot gaining a user), without reading it back. ENOMEM when swap has no
    /// slot for the copy.
    func copySwappedTables(from parent: Process, to child: Process, _ v: VMA) throws(KernelError) {
        guard let r = reclaimer, r.swappedTables > 0, let swap else { return }
        var tables: [(base: UInt64, slot: Int)] = []
        forEachSwappedTable(parent.space, v.start, v.end) { base, _, slot in tables.append((base, slot)) }
        let upper = mode.levels - 2
        for (base, slot) in tables {
            let made: UInt64?
            do throws(VMError) { made = try child.space.walk(base, level: upper, create: true) } catch { throw .from(error, in: "fork") }
            guard let parentEntry = made else { continue }
            let existing = (try? child.space.readEntry(parentEntry)) ?? 0
            let copy: Int
            if let s = swapSlot(existing) {
                copy = Int(s)
            } else {
                guard existing == 0, let fresh = swap.allocateSlot() else {
                    throw .fail(.ENOMEM, "fork", "no swap slot for a copy of the swapped-out page table of \(Units.hex(base))")
                }
                copy = fresh
                swap.users[copy] = 1
                try? child.space.writeEntry(parentEntry, swapEntry(slot: UInt64(copy)))
                r.swappedTables += 1
            }
            var entries = tableEntries(swap.load(copy))
            for (i, raw) in tableEntries(swap.load(slot)).enumerated() where raw != 0 {
                let va = base &+ UInt64(i) * pageBytes
                guard va >= v.start && va < v.end else { continue }
                entries[i] = raw
                if let data = swapSlot(raw) { swapDuplicateHook?(data) }
            }
            swap.store(copy, tableImage(entries))
        }
    }

    /// Calls `body(base, parentEntryAddress, slot)` for every swapped-out leaf table of `space`
    /// whose span meets `[start, end)`, skipping absent upper tables a whole span at a time.
    func forEachSwappedTable(_ space: PageTable, _ start: UInt64, _ end: UInt64, _ body: (UInt64, UInt64, Int) -> Void) {
        guard mode.levels >= 2, space.isLive else { return }
        var va = start & ~(leafTableSpan - 1)
        while va < end {
            guard let d = try? space.descend(va) else { return }
            if d.level == mode.levels - 2, let slot = swapSlot(d.raw) { body(va, d.slot, Int(slot)) }
            let span = d.level >= mode.levels - 2 ? leafTableSpan : space.pageBytes(level: d.level)
            let next = (va & ~(span - 1)) &+ span
            if next <= va { return }
            va = next
        }
    }

    /// The entries of the table image `bytes` (little-endian, `pteBytes` each).
    func tableEntries(_ bytes: [UInt8]?) -> [UInt64] {
        let width = Int(mode.pteBytes), count = mode.entries(level: mode.levels - 1)
        guard let bytes, bytes.count >= width * count else { return Array(repeating: 0, count: count) }
        return (0..<count).map { i in
            var raw: UInt64 = 0
            for b in 0..<width { raw |= UInt64(bytes[i * width + b]) << UInt64(8 * b) }
            return raw
        }
    }

    /// The table image of `entries` (the inverse of `tableEntries`).
    func tableImage(_ entries: [UInt64]) -> [UInt8] {
        let width = Int(mode.pteBytes)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * width)
        for raw in entries { for b in 0..<width { bytes.append(UInt8(truncatingIfNeeded: raw >> UInt64(8 * b))) } }
        return bytes
    }

    /// munmap/exit of `[start, end)` in `p`: clears the entries of swapped-out tables in the
    /// range inside their swap images (each swap entry's slot loses a user), without reading the
    /// tables back; a table left empty frees its slot and its parent entry.
    func zapSwappedTables(_ p: Process, _ start: UInt64, _ end: UInt64) {
        guard let r = reclaimer, r.swappedTables > 0, let swap else { return }
        forEachSwappedTable(p.space, start, end) { base, parent, slot in
            var entries = tableEntries(swap.load(slot))
            var left = false
            for (i, raw) in entries.enumerated() where raw != 0 {
                let va = base &+ UInt64(i) * pageBytes
                guard va >= start && va < end else { left = true; continue }
                if let data = swapSlot(raw) { swapFreeHook?(data) }
                entries[i] = 0
            }
            if left {
                swap.store(slot, tableImage(entries))
            } else {
                swap.releaseSlot(slot)
                try? p.space.writeEntry(parent, 0)
                r.swappedTables -= 1
            }
        }
    }

    /// Swap entries in the swapped-out tables of `space` for pages in `[start, end)`.
    func swappedTableEntries(_ space: PageTable, _ start: UInt64, _ end: UInt64) -> UInt64 {
        guard let r = reclaimer, r.swappedTables > 0, let swap else { return 0 }
        var count: UInt64 = 0
        forEachSwappedTable(space, start, end) { base, _, slot in
            for (i, raw) in tableEntries(swap.load(slot)).enumerated() where swapSlot(raw) != nil {
                let va = base &+ UInt64(i) * pageBytes
                if va >= start && va < end { count += 1 }
            }
        }
        return count
    }

    /// The swapped-out tables part of `check()`: each names an allocated slot (counted in
    /// `named`), holds only not-present entries whose swap slots are allocated (counted) and lie
    /// inside a VMA; their number is `Reclaimer.swappedTables`.
    func checkSwappedTables(_ named: inout [Int32], _ problems: inout [String]) {
        guard let r = reclaimer, let swap else { return }
        var found = 0
        for p in processList where p.space.isLive {
            forEachSwappedTable(p.space, 0, userTop) { base, _, slot in
                found += 1
                guard swap.isAllocated(slot) else {
                    problems.append("pid \(p.pid): page table for \(Units.hex(base)) is in swap slot \(slot), which is not allocated")
                    return
                }
                named[slot] += 1
                for (i, raw) in tableEntries(swap.load(slot)).enumerated() where raw != 0 {
                    let va = base &+ UInt64(i) * pageBytes
                    guard let data = swapSlot(raw) else {
                        problems.append("pid \(p.pid): swapped-out page table for \(Units.hex(base)) holds a present entry for \(Units.hex(va))")
                        continue
                    }
                    guard data < UInt64(swap.slotCount), swap.isAllocated(Int(data)) else {
                        problems.append("pid \(p.pid): swap entry for \(Units.hex(va)) (in a swapped-out table) names slot \(data), which is not allocated")
                        continue
                    }
                    named[Int(data)] += 1
                    if p.vma(containing: va) == nil { problems.append("pid \(p.pid): swap entry for \(Units.hex(va)) (in a swapped-out table) lies outside every VMA") }
                }
            }
        }
        if found != r.swappedTables { problems.append("swap: \(r.swappedTables) page tables counted in swap but \(found) found") }
    }
}

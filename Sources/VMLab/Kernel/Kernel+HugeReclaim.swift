/// Transparent huge pages under memory pressure, as Linux does it: a THP is one page for the
/// replacement policy (its head frame, loaded when a fault maps it or a collapse makes it);
/// when the policy picks it, reclaim splits it into base pages in place
/// (`splitHugePage`: same frames, data and A/D bits, `thp_split_page`), hands those pages to the
/// policy and evicts the head page at once; the other base pages are then evicted like any
/// private anonymous page when the policy picks them (`thp_split_reclaim` counts these splits).
///
/// **Shared after fork.** A THP that parent and child both map (read-only, COW) is split in
/// place in both (each gets a table naming the same 512 frames, each frame counted twice), so
/// its base pages go to swap once, the PTEs of both naming one slot, as for any COW page — no
/// copy is needed when memory is short. **What stays.** hugetlb pages (`hugepage` mappings, the hugetlb
/// pool) are never evicted, as in Linux: they are reserved memory, not part of the LRU.
/// The policy's R and D bits of a THP are those of its head frame: they are set when an access
/// reaches the huge page's first base page. So that a THP used elsewhere is not taken for cold,
/// a victim THP whose huge leaf has its Accessed bit set (the walker sets it on every TLB fill)
/// gets a second chance instead: A is cleared (with a shootdown of the page) and the policy
/// loads it again as new (counted in `skipped`). After the split each base page has its own bits.
extension Kernel {
    /// After a fault of `p` at `page` that left a transparent huge page mapped there (a THP
    /// fault or a promotion): loads its head frame into the policy's table. Nothing for hugetlb
    /// pages, shared or already tracked ones.
    func trackHugePage(_ p: Process, _ page: UInt64) {
        guard let r = reclaimer, let huge = hugePageBytes, let leaf = leafOf(p.space, page), leaf.level == hugeLevel,
              isPresent(leaf.raw), let v = p.vma(containing: page), !v.flags.contains(.huge) else { return }
        let head = entryFrame(p.space, leaf.raw)
        let slot = Int(truncatingIfNeeded: head)
        guard slot >= 0, slot < r.frames.capacity, !r.frames.isResident(slot) else { return }
        let info = frameInfo(head)
        guard info.state == .user, Int(info.order) == hugeOrder, info.mapcount == 1, info.refcount == 1,
              ownerIDs.contains(info.owner) else { return }
        let base = page & ~(huge - 1)
        r.pageVA[slot] = base
        r.frames.load(slot: slot, page: pageID(p, base))
        if leaf.raw & mode.layout.dirty != 0 { r.frames.touch(slot, isWrite: true) }
        do { try r.inserted(slot) } catch { r.policyError = r.policyError ?? error }
    }

    /// Reclaim picked the transparent huge page headed by `head`: splits it in place in every
    /// process that maps it (after fork several map it read-only; each gets a table of 512 PTEs
    /// naming the same frames) and evicts its first base page. False (nothing changed) when it
    /// cannot: no swap, pinned, locked, a hugetlb page, mapped where the reverse map cannot see,
    /// no frame for the new tables — or accessed since reclaim last looked (a second chance).
    func evictHugePage(_ head: UInt64) -> Bool {
        guard let r = reclaimer, swap != nil, hugePageBytes != nil else { return false }
        let info = frameInfo(head)
        guard info.state == .user, Int(info.order) == hugeOrder, !info.pinned, info.mapcount > 0,
              info.refcount == info.mapcount else { return false }
        let base = r.pageVA[Int(head)]
        var mappers: [(process: Process, slot: UInt64, raw: UInt64)] = []
        for p in processList {
            guard let leaf = leafOf(p.space, base), leaf.level == hugeLevel, isPresent(leaf.raw),
                  entryFrame(p.space, leaf.raw) == head else { continue }
            guard let v = p.vma(containing: base), v.flags.isDisjoint(with: [.locked, .huge]) else { return false }
            mappers.append((p, leaf.slot, leaf.raw))
        }
        guard mappers.count == Int(info.mapcount) else { return false }
        // Accessed since the kernel last looked (the walker set A in a huge leaf): a second
        // chance, like Linux's folio_referenced. A is cleared and the TLBs forget the page, so
        // that the next access sets it again.
        let accessed = mode.layout.accessed
        if accessed != 0 && mappers.contains(where: { $0.raw & accessed != 0 }) {
            for (p, slot, raw) in mappers where raw & accessed != 0 {
                rewritePTE(p, slot: slot, va: base, raw: raw & ~accessed, bytes: hugePageBytes)
            }
            return false
        }
        guard splitMappedHugePage(head, base, mappers, pinned: info.pinned) else { return false }
        hugePages.counters.thpSplitReclaim += 1
        return evictFrame(head)
    }

    /// Splits the huge page headed by `head` at `base` in place in every one of `mappers` (all
    /// of its mappings): one fresh table each, every base frame counted once per mapper, the
    /// policy given the base pages. False (nothing changed) when a table frame is missing.
    func splitMappedHugePage(_ head: UInt64, _ base: UInt64, _ mappers: [(process: Process, slot: UInt64, raw: UInt64)],
                             pinned: Bool) -> Bool {
        var tables: [UInt64] = []
        for (p, _, _) in mappers {
            guard let frame = try? machine.allocateFrames(order: 0, state: .pageTable, owner: p.space.owner,
                                                          tableLevel: hugeLevel + 1, purpose: "a page table") else {
                for t in tables { try? machine.freeFrames(first: t, order: 0) }
                return false
            }
            tables.append(frame)
        }
        do { try machine.splitFrames(first: head, order: hugeOrder) } catch {
            for t in tables { try? machine.freeFrames(first: t, order: 0) }
            return false
        }
        let frames = (0..<hugeFrames).map { head + $0 }
        let count = Int32(mappers.count)
        for frame in frames {
            try? memory.updateInfo(frame: frame) { $0.refcount = count; $0.mapcount = count; $0.pinned = pinned }
        }
        trackSplitPages(mappers[0].process, base, frames, dirty: mappers.contains { $0.raw & mode.layout.dirty != 0 })
        for ((p, slot, raw), table) in zip(mappers, tables) {
            linkSplitTable(p.space, slot: slot, raw: raw, base: base, tableFrame: table, frames: frames, writable: isWritable(raw))
            emit("thp_split", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: base)))])
        }
        hugePages.counters.thpSplitPage += 1
        return true
    }

    /// `splitHugePage` just split the THP of `p` at `base` in place into `frames` (whose PTEs
    /// carry the huge page's D bit in `dirty`): when the policy tracked the huge page (its head),
    /// every base page becomes a page of the policy, at its own address.
    func trackSplitPages(_ p: Process, _ base: UInt64, _ frames: [UInt64], dirty: Bool) {
        guard let r = reclaimer, let head = frames.first, Int(head) < r.frames.capacity, r.frames.isResident(Int(head)) else { return }
        for (i, frame) in frames.enumerated().dropFirst() {
            let slot = Int(frame)
            guard slot < r.frames.capacity, !r.frames.isResident(slot) else { continue }
            let va = base + UInt64(i) * pageBytes
            r.pageVA[slot] = va
            r.frames.load(slot: slot, page: pageID(p, va))
            if dirty { r.frames.touch(slot, isWrite: true) }
            do { try r.inserted(slot) } catch { r.policyError = r.policyError ?? error }
        }
    }
}

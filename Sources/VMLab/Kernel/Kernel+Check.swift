/// The invariant checker: frames ↔ mappings, page tables, VMAs.
extension Kernel {
    /// Verifies the kernel's bookkeeping against the page tables in RAM and returns every
    /// violation found (empty when all is well):
    /// - VMAs of each process sorted, disjoint, page aligned, non-empty, inside user space;
    /// - every present user PTE lies inside a VMA, points at an allocated frame, and is not
    ///   writable while its frame is COW-shared by a private mapping;
    /// - every kernel frame's mapcount equals the number of PTEs pointing at it, and its refcount
    ///   equals mapcount + page-cache reference + kernel-image reference + DMA pins; no frame with refcount 0
    ///   is left allocated (a leak);
    /// - the table pages reachable from each root are exactly those counted in `tablePages`,
    ///   each marked as a page table of its owner; no table page of the kernel's is unreachable;
    /// - every TLB and page-walk-cache entry of the running spaces agrees with the page tables
    ///   (`Processors.checkTranslations`).
    public func check() -> [String] {
        var problems: [String] = []
        var maps: [UInt64: Int32] = [:]
        var refs: [UInt64: Int32] = [:]
        var tables = Set<UInt64>()
        var tails = Set<UInt64>()
        if let kernelFrame { refs[kernelFrame, default: 0] += 1 }
        for object in Array(files.values) + sharedObjects {
            for (index, frame) in object.cache { refs[frame, default: 0] += 1; _ = index }
        }
        for p in processList {
            checkVMAs(p, &problems)
            checkEntries(p, &maps, &tails, &problems)
            checkTables(p, &tables, &problems)
        }
        for (frame, count) in maps { refs[frame, default: 0] += count }
        for (frame, count) in machine.dmaPins.references { refs[frame, default: 0] += count }
        for frame in maps.keys where tails.contains(frame) {
            problems.append("frame \(Units.hex(frame)): inside a huge page but also mapped as a base page")
        }
        poolReferences(&refs, &tails)
        checkFrames(maps: maps, refs: refs, tables: tables, tails: tails, &problems)
        checkSwap(&problems)
        if let processors = machine.processorStorage { problems += processors.checkTranslations() }
        return problems
    }

    func checkVMAs(_ p: Process, _ problems: inout [String]) {
        var previousEnd: UInt64 = 0
        for v in p.vmas {
            let name = "pid \(p.pid): VMA \(Units.hex(v.start))-\(Units.hex(v.end))"
            if v.start >= v.end { problems.append("\(name) is empty") }
            if v.start & (pageBytes - 1) != 0 || v.end & (pageBytes - 1) != 0 { problems.append("\(name) is not page aligned") }
            if v.end > userTop { problems.append("\(name) goes beyond user space") }
            if v.start < previousEnd { problems.append("\(name) overlaps the previous VMA or is out of order") }
            if v.flags.contains(.huge), let huge = hugePageBytes, v.start % huge != 0 || v.end % huge != 0 {
                problems.append("\(name) is a hugepage area not aligned to \(Units.size(huge))")
            }
            previousEnd = v.end
        }
    }

    func checkEntries(_ p: Process, _ maps: inout [UInt64: Int32], _ tails: inout Set<UInt64>, _ problems: inout [String]) {
        let space = p.space
        guard space.isLive else { problems.append("pid \(p.pid): page table released while alive"); return }
        try? forEachEntry(space, 0, userTop) { (va, _, raw, tables) throws(KernelError) in
            guard isPresent(raw) else { return }
            let frame = entryFrame(space, raw)
            maps[frame, default: 0] += 1
            let frames = space.pageBytes(level: tables.count - 1) / pageBytes
            if frames > 1 {
                // A huge page is counted on its first frame; the others only belong to its block.
                if frameInfo(frame).order != Int8(clamping: frames.trailingZeroBitCount) {
                    problems.append("pid \(p.pid): huge page \(Units.hex(va)) maps frame \(Units.hex(frame)), which heads no block of its size")
                }
                for tail in (frame + 1)..<(frame + frames) {
                    tails.insert(tail)
                    let t = frameInfo(tail)
                    if t.refcount != 0 || t.mapcount != 0 || t.state != frameInfo(frame).state {
                        problems.append("pid \(p.pid): huge page \(Units.hex(va)): tail frame \(Units.hex(tail)) has refcount \(t.refcount), mapcount \(t.mapcount), state \(t.state)")
                    }
                }
            }
            if let v = p.vma(containing: va), frames > 1, !mayHoldHugePage(v, va, bytes: frames * pageBytes) {
                problems.append("pid \(p.pid): huge page \(Units.hex(va)) in a VMA that cannot hold it (not hugetlb, not private anonymous over the whole page)")
            }
            guard let v = p.vma(containing: va) else {
                problems.append("pid \(p.pid): PTE for \(Units.hex(va)) lies outside every VMA")
                return
            }
            let info = frameInfo(frame)
            if info.state == .free { problems.append("pid \(p.pid): PTE for \(Units.hex(va)) points at free frame \(Units.hex(frame))") }
            if !v.isShared && isWritable(raw) && (info.refcount - machine.dmaPins.references(frame) > 1 || isCached(v, frame: frame)) {
                problems.append("pid \(p.pid): private page \(Units.hex(va)) is writable while frame \(Units.hex(frame)) is shared (refcount \(info.refcount))")
            }
        }
        if let kernelFrame {
            let raw = readPTE(space, kernelImageBase)
            if !isPresent(raw) || entryFrame(space, raw) != kernelFrame || raw & mode.layout.user != 0 && mode.layout.user != mode.layout.present {
                problems.append("pid \(p.pid): the kernel half is not mapped supervisor-only at \(Units.hex(kernelImageBase))")
            } else {
                maps[kernelFrame, default: 0] += 1
            }
        }
    }

    func checkTables(_ p: Process, _ tables: inout Set<UInt64>, _ problems: inout [String]) {
        let space = p.space
        guard space.isLive else { return }
        var found = Array(repeating: 0, count: mode.levels)
        func visit(_ table: UInt64, _ level: Int) {
            found[level] += 1
            let frame = frameNumber(table)
            tables.insert(frame)
            let info = frameInfo(frame)
            if info.state != .pageTable || info.owner != space.owner || Int(info.tableLevel) != level {
                problems.append("pid \(p.pid): table page \(Units.hex(table)) (level \(level)) has metadata \(info.state), owner \(info.owner), level \(info.tableLevel)")
            }
            guard level < mode.levels - 1 else { return }
            for i in 0..<UInt64(mode.entries(level: level)) {
                let raw = (try? space.readEntry(table + i * space.pteBytes)) ?? 0
                if isPresent(raw) && !space.isLeaf(raw, level: level) { visit(space.frameAddress(raw), level + 1) }
            }
        }
        visit(space.root, 0)
        if found != space.tablePages {
            problems.append("pid \(p.pid): table pages counted \(space.tablePages) but \(found) are reachable")
        }
    }

    func checkFrames(maps: [UInt64: Int32], refs: [UInt64: Int32], tables: Set<UInt64>, tails: Set<UInt64>,
                     _ problems: inout [String]) {
        let perChunk = UInt64(PhysicalMemory.infosPerChunk)
        for chunk in 0..<memory.infoDirectoryCount where memory.infoDirectory[chunk] != nil {
            let first = UInt64(chunk) * perChunk
            for frame in first..<min(first + perChunk, memory.frameCount) {
                let info = frameInfo(frame)
                guard ownerIDs.contains(info.owner), info.state != .free, !tails.contains(frame) else { continue }
                let name = "frame \(Units.hex(frame))"
                if info.state == .pageTable {
                    if !tables.contains(frame) { problems.append("\(name): page table of the kernel that no process reaches (leaked)") }
                    continue
                }
                let wantMaps = maps[frame] ?? 0, wantRefs = refs[frame] ?? 0
                if info.mapcount != wantMaps { problems.append("\(name): mapcount \(info.mapcount) but \(wantMaps) PTEs map it") }
                if info.refcount != wantRefs {
                    problems.append("\(name): refcount \(info.refcount) but \(wantRefs) references (mappings + page cache + kernel)")
                }
                if wantRefs == 0 { problems.append("\(name): allocated but unreferenced (leaked)") }
            }
        }
        for frame in maps.keys.sorted() where frameInfo(frame).state == .free {
            problems.append("frame \(Units.hex(frame)): free but still mapped")
        }
    }
}

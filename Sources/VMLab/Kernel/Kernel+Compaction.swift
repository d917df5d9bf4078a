/// Memory compaction (Linux's `compact_zone`, simplified): moves movable user pages out of
/// huge-page-sized physical blocks so that the buddy allocator gets free aligned huge blocks
/// back — what a huge-page allocation needs when memory is fragmented.
///
/// **Rule.** The migrate scanner picks the huge-page blocks whose used frames are all movable,
/// fewest used frames first (ties: highest address first), and moves their pages to free
/// frames outside those blocks (the free scanner: the buddy allocator's choice, which takes the
/// smallest free blocks first, never a free block of the huge order or above). A block moves
/// whole or not at all; compaction stops at the first block there is no room for. A frame is movable when it is a
/// single user page of a process of this kernel (anonymous or page cache), not pinned, every
/// reference to it is a PTE found through the reverse map (or the page cache), and reclaim does
/// not track it (with a replacement policy on, its tracked pages stay where they are). Page
/// tables, the kernel image, huge pages and frames taken with `m:alloc_frame` never move.
/// Moving copies the contents, rewrites every PTE that maps the frame (keeping its bits), fixes
/// the page cache, and shoots down the page on the CPUs that ran each address space.
extension Kernel {
    /// Free aligned blocks of the huge-page order (bigger free blocks count for several).
    public var freeHugeBlocks: Int {
        let allocator = frameAllocator
        guard hugePageBytes != nil, hugeOrder <= allocator.maxOrder else { return 0 }
        return (hugeOrder...allocator.maxOrder).reduce(0) { $0 + allocator.freeBlocks(order: $1) << ($1 - hugeOrder) }
    }

    /// Runs compaction once over all of memory (see the rule above). EINVAL when the paging mode
    /// has no huge page one level above the leaf.
    public func compact() throws(KernelError) -> CompactionResult {
        guard hugePageBytes != nil else {
            throw .fail(.EINVAL, "compact", "paging mode \(mode.name) has no huge pages one level above the leaf")
        }
        var mappings = reverseMap()
        var cached: [UInt64: (object: MemoryObject, index: UInt64)] = [:]
        for object in Array(files.values) + sharedObjects {
            for (index, frame) in object.cache { cached[frame] = (object, index) }
        }
        var result = CompactionResult()
        let blockFrames = hugeFrames
        // The migrate scanner: blocks whose used frames all move, fewest used frames first
        // (then highest address first).
        var sources: [(block: UInt64, used: [UInt64])] = []
        for block in stride(from: memory.frameCount / blockFrames, to: 0, by: -1) {
            let first = (block - 1) * blockFrames
            var used: [UInt64] = []
            var movable = true
            for frame in first..<(first + blockFrames) where frameInfo(frame).state != .free {
                guard isMovable(frame, mappings, cached) else { movable = false; break }
                used.append(frame)
            }
            if movable && !used.isEmpty { sources.append((block - 1, used)) }
        }
        sources.sort { $0.used.count < $1.used.count }
        let sourceBlocks = Set(sources.map(\.block))
        // The free scanner: single free frames outside every source block. Frames the allocator
        // offers inside a source block are held aside and given back at the end; a free block of
        // the huge order or above is never broken up.
        var heldAside: [UInt64] = []
        defer { for frame in heldAside { try? machine.freeFrames(first: frame, order: 0) } }
        func destination() -> UInt64? {
            while (0..<hugeOrder).contains(where: { frameAllocator.freeBlocks(order: $0) > 0 }) {
                guard let frame = try? machine.allocateFrames(order: 0, state: .user, purpose: "compaction") else { return nil }
                if !sourceBlocks.contains(frame / blockFrames) { return frame }
                heldAside.append(frame)
            }
            return nil
        }
        for source in sources {
            // A block moves whole or not at all (no page moves for nothing).
            var targets: [UInt64] = []
            while targets.count < source.used.count, let fresh = destination() { targets.append(fresh) }
            guard targets.count == source.used.count else {
                for frame in targets { try? machine.freeFrames(first: frame, order: 0) }
                break
            }
            for (old, fresh) in zip(source.used, targets) { movePage(old, to: fresh, &mappings, &cached) }
            result.migrated += targets.count
            result.blocks += 1
        }
        result.freeHugeBlocks = freeHugeBlocks
        hugePages.counters.compactMigrated += result.migrated
        hugePages.counters.compactBlocks += result.blocks
        if result.blocks > 0 { hugePages.counters.compactSuccess += 1 } else { hugePages.counters.compactFail += 1 }
        emit("compact", [("migrated", .integer(result.migrated)), ("blocks", .integer(result.blocks))])
        return result
    }

    /// Every base-page PTE of every process, by the frame it maps: the reverse map.
    func reverseMap() -> [UInt64: [(space: PageTable, slot: UInt64, va: UInt64)]] {
        var mappings: [UInt64: [(space: PageTable, slot: UInt64, va: UInt64)]] = [:]
        for p in processList where p.space.isLive {
            try? forEachEntry(p.space, 0, userTop) { (va, slot, raw, tables) throws(KernelError) in
                guard isPresent(raw), tables.count == mode.levels else { return }
                mappings[entryFrame(p.space, raw), default: []].append((p.space, slot, va))
            }
        }
        return mappings
    }

    /// True when compaction may move `frame` (see the rule above).
    func isMovable(_ frame: UInt64, _ mappings: [UInt64: [(space: PageTable, slot: UInt64, va: UInt64)]],
                   _ cached: [UInt64: (object: MemoryObject, index: UInt64)]) -> Bool {
        let info = frameInfo(frame)
        guard info.state == .user, info.order == 0, !info.pinned, ownerIDs.contains(info.owner) else { return false }
        let maps = mappings[frame]?.count ?? 0
        let references = maps + (cached[frame] == nil ? 0 : 1)
        guard references > 0, Int(info.mapcount) == maps, Int(info.refcount) == references else { return false }
        if let r = reclaimer, Int(frame) < r.frames.capacity {
            if r.frames.isResident(Int(frame)) || r.cacheSlot[Int(frame)] >= 0 { return false }
        }
        return true
    }

    /// Moves the page in `old` to the free frame `fresh`: contents, metadata, every PTE mapping
    /// it (with a shootdown of the page), the page cache; then frees `old`.
    func movePage(_ old: UInt64, to fresh: UInt64, _ mappings: inout [UInt64: [(space: PageTable, slot: UInt64, va: UInt64)]],
                  _ cached: inout [UInt64: (object: MemoryObject, index: UInt64)]) {
        try? memory.copy(from: memory.address(frame: old), to: memory.address(frame: fresh), length: pageBytes)
        let info = frameInfo(old)
        try? memory.updateInfo(frame: fresh) { $0 = info }
        let field = PTELayout.lowMask(mode.layout.frameBits) << UInt64(mode.layout.frameShift)
        for m in mappings[old] ?? [] {
            let raw = (try? m.space.readEntry(m.slot)) ?? 0
            try? m.space.writeEntry(m.slot, raw & ~field | (fresh << UInt64(mode.layout.frameShift)) & field)
            mappingsChanged(m.space, va: m.va, length: pageBytes)
        }
        mappings[fresh] = mappings.removeValue(forKey: old)
        if let c = cached.removeValue(forKey: old) {
            c.object.cache[c.index] = fresh
            cached[fresh] = c
        }
        try? memory.updateInfo(frame: old) { $0.refcount = 0; $0.mapcount = 0 }
        try? machine.freeFrames(first: old, order: 0)
        machineCounters.cycles &+= costModel.pointee.pageCopy
    }
}

/// Reclaim of file pages: a page-cache page of a file is evicted by unmapping it from every
/// mapping of the file (each VMA mapping the file maps page `index` at its own address) and
/// dropping it from the cache; the next fault reads it again (a major fault). A page whose bytes
/// differ from the file's is written back to the file first. Shared anonymous memory has no
/// file behind it: its pages go to swap slots the object owns (`Kernel+SharedReclaim`).
extension Kernel {
    /// Evicts page `index` of `object`, held in `frame`. False (nothing changed) when it cannot
    /// go: pinned or locked, held by something else than the cache and its mappings, or mapped
    /// where no VMA of the file says.
    func evictFilePage(_ frame: UInt64, _ object: MemoryObject, _ index: UInt64) -> Bool {
        guard let r = reclaimer else { return false }
        if object.isAnonymous { return evictSharedPage(frame, object, index) }
        guard let found = objectMappings(frame, object, index) else { return false }
        let written = writeBackFilePage(object, index, frame)
        if written {
            r.counters.fileWritebacks += 1
            machineCounters.cycles &+= swap?.writeLatency ?? costModel.pointee.swapWrite
        } else {
            r.counters.fileDrops += 1
        }
        let pa = memory.address(frame: frame)
        dropObjectPage(frame, object, index, found)
        emit("evict", [("pid", .integer(found.first?.process.pid ?? 0)), ("va", .integer(Int(truncatingIfNeeded: found.first?.va ?? 0))),
                       ("pa", .integer(Int(pa))), ("dirty", .flag(written)), ("mappings", .integer(found.count)),
                       ("file", .text(object.name)), ("index", .integer(Int(index)))])
        return true
    }

    /// Every PTE that maps page `index` of `object`, held in `frame` (each VMA mapping the object
    /// maps it at its own address), or nil when the page cannot be evicted: not a page-cache page
    /// of a single frame, pinned, locked, held by something else than the cache and its mappings,
    /// or mapped where no VMA of the object says.
    func objectMappings(_ frame: UInt64, _ object: MemoryObject, _ index: UInt64) -> [(process: Process, slot: UInt64, va: UInt64)]? {
        let info = frameInfo(frame)
        guard info.state == .user, info.order == 0, !info.pinned, info.refcount == info.mapcount + 1,
              object.cache[index] == frame else { return nil }
        let offset = index * pageBytes
        var found: [(process: Process, slot: UInt64, va: UInt64)] = []
        for p in processList {
            for v in p.vmas where v.object === object && offset >= v.offset && offset - v.offset < v.length {
                let va = v.start + (offset - v.offset)
                guard let leaf = leafEntry(p.space, va), isPresent(leaf.raw), entryFrame(p.space, leaf.raw) == frame else { continue }
                if v.flags.contains(.locked) { return nil }
                found.append((p, leaf.slot, va))
            }
        }
        return found.count == Int(info.mapcount) ? found : nil
    }

    /// Clears the PTEs `found` that map page `index` of `object` (shooting each page down), and
    /// takes the page out of the cache: the frame is freed.
    func dropObjectPage(_ frame: UInt64, _ object: MemoryObject, _ index: UInt64,
                        _ found: [(process: Process, slot: UInt64, va: UInt64)]) {
        for (p, pte, va) in found {
            try? p.space.writeEntry(pte, 0)
            p.space.mappedBytes -= pageBytes
            mappingsChanged(p.space, va: va, length: pageBytes)
            adjustFrame(frame, refs: -1, maps: -1)
        }
        object.cache[index] = nil
        adjustFrame(frame, refs: -1, maps: 0)       // the cache's reference: frees it (forgetFrame)
    }

    /// Writes the page in `frame` into `object`'s bytes at page `index` when they differ (only
    /// the part before the end of the file counts). Returns true when it wrote.
    func writeBackFilePage(_ object: MemoryObject, _ index: UInt64, _ frame: UInt64) -> Bool {
        let from = index * pageBytes
        guard from < object.size else { return false }
        let n = Int(min(pageBytes, object.size - from))
        guard let page = try? memory.readBytes(memory.address(frame: frame), count: n) else { return false }
        let start = Int(from)
        let stored = start < object.contents.count ? Array(object.contents[start..<min(object.contents.count, start + n)]) : []
        let same = page.indices.allSatisfy { $0 < stored.count ? page[$0] == stored[$0] : page[$0] == 0 }
        if same { return false }
        if object.contents.count < start + n { object.contents += [UInt8](repeating: 0, count: start + n - object.contents.count) }
        object.contents.replaceSubrange(start..<(start + n), with: page)
        return true
    }
}

/// Reclaim of shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, kept across fork), like
/// Linux's shmem: the page lives in the page cache of the area's `MemoryObject`, so eviction goes
/// through the object, not through a process.
///
/// **Out.** The victim is unmapped from every PTE that maps it (every VMA of the object, at its
/// own address; each space is shot down), its bytes go to a swap slot **owned by the object**
/// (`MemoryObject.swapSlots`, one user on the device however many processes share the page), and
/// the frame is freed. The PTEs become empty, not swap entries: the object remembers the slot.
/// **Dirty or clean.** A page read back keeps its slot (the swap cache); evicting it again is a
/// *clean drop* when the slot still holds exactly its bytes, else a *write-back* into the same
/// slot. (Several processes write through several PTEs and munmap loses their dirty bits, so the
/// kernel compares bytes, as for file pages.) **In.** A fault of any sharer on a page the cache
/// does not hold reads the slot into a fresh cache frame — one swap-in (major fault), counted
/// for that process; the other sharers then find the page in the cache (minor faults, the same
/// frame). **Freed** with the object (its last mapping gone).
extension Kernel {
    /// Evicts page `index` of the shared anonymous `object`, held in `frame`, to the object's
    /// swap slot. False (nothing changed) when it cannot go: no swap device, pinned or locked,
    /// held by more than the cache and its mappings, or a new slot is needed and swap is full.
    func evictSharedPage(_ frame: UInt64, _ object: MemoryObject, _ index: UInt64) -> Bool {
        guard let r = reclaimer, let swap, let found = objectMappings(frame, object, index) else { return false }
        let pa = memory.address(frame: frame)
        let bytes = try? memory.readBytes(pa, count: Int(pageBytes))
        let slot: Int
        let write: Bool
        if let owned = object.swapSlots[index] {
            slot = owned
            write = !swap.holds(slot, bytes)
        } else {
            guard let fresh = swap.allocateSlot() else { return false }
            slot = fresh
            swap.users[slot] = 1            // the object's reference
            object.swapSlots[index] = slot
            write = true
        }
        writeOut(frame, to: slot, write: write, r, swap)
        dropObjectPage(frame, object, index, found)
        guard observer != nil else { return true }
        let first = found.first
        let pid = first?.process.pid ?? 0, va = Int(truncatingIfNeeded: first?.va ?? 0)
        if write { emit("writeback", [("pid", .integer(pid)), ("va", .integer(va)), ("slot", .integer(slot)), ("pa", .integer(Int(pa)))]) }
        emit("evict", [("pid", .integer(pid)), ("va", .integer(va)), ("pa", .integer(Int(pa))), ("dirty", .flag(write)),
                       ("mappings", .integer(found.count)), ("file", .text(object.name)), ("index", .integer(Int(index)))])
        emit("swap_out", [("pid", .integer(pid)), ("va", .integer(va)), ("slot", .integer(slot)), ("written", .flag(write)),
                          ("shared", .flag(true))])
        return true
    }

    /// Reads page `index` of the shared anonymous `object` back from its swap slot into a fresh
    /// page-cache frame (held by the cache) for a fault of `p` at `page`, and returns the frame;
    /// nil when the object has no slot for the page (it was never evicted: demand zero). The
    /// slot stays linked (swap cache). One swap-in, counted for `p`, costing the read latency.
    func swapInSharedPage(_ p: Process, _ object: MemoryObject, _ index: UInt64, page: UInt64) throws(KernelError) -> UInt64? {
        guard let slot = object.swapSlots[index], let swap, let r = reclaimer else { return nil }
        let frame = try allocFrame(owner: owner, call: "shared swap-in")
        if let cached = object.cache[index] {
            // The allocation's reclaim cannot bring the page in, but stay safe: use the cache.
            try? machine.freeFrames(first: frame, order: 0)
            return cached
        }
        adjustFrame(frame, refs: 1, maps: 0)
        loadPage(from: slot, into: frame)
        object.cache[index] = frame
        r.counters.swapIns += 1
        p.counters.swapIns += 1
        machineCounters.cycles &+= swap.readLatency &- costModel.pointee.majorFault
        emit("swap_in", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: page))), ("slot", .integer(slot)),
                         ("pa", .integer(Int(memory.address(frame: frame)))), ("shared", .flag(true))])
        return frame
    }

    /// Bytes of the shared anonymous memory `v` maps that are out in swap (smaps' Swap of a
    /// shmem area: the object's pages in the area that only a slot holds).
    func sharedSwappedBytes(_ v: VMA) -> UInt64 {
        guard let object = v.object, object.isAnonymous, !object.swapSlots.isEmpty else { return 0 }
        let first = v.offset / pageBytes, count = v.length / pageBytes
        var pages: UInt64 = 0
        for index in object.swapSlots.keys where index >= first && index - first < count && object.cache[index] == nil {
            pages += 1
        }
        return pages * pageBytes
    }

    /// Gives back the swap slots of `object` (it is being freed).
    func releaseSharedSwap(_ object: MemoryObject) {
        guard !object.swapSlots.isEmpty else { return }
        for slot in object.swapSlots.values { swap?.releaseSlot(slot) }
        object.swapSlots = [:]
    }

    /// The swap slots shared anonymous objects own, each counted once in `named` (`check()`);
    /// a slot that is not allocated is a problem.
    func checkSharedSwap(_ named: inout [Int32], _ problems: inout [String]) {
        for object in sharedObjects {
            for (index, slot) in object.swapSlots.sorted(by: { $0.key < $1.key }) {
                guard slot >= 0, slot < named.count, swap?.isAllocated(slot) == true else {
                    problems.append("\(object.name) page \(index): owns swap slot \(slot), which is not allocated")
                    continue
                }
                named[slot] += 1
            }
        }
    }
}

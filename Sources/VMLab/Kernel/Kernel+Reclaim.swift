/// Reclaim: free-frame watermarks, the replacement policy choosing victims among the private
/// anonymous pages and file pages faults brought in, eviction through the reverse map (every
/// PTE that maps an anonymous victim gets its swap entry, with the TLB shootdowns that needs;
/// file pages: `Kernel+FileReclaim`), dirty write-back, and the OOM killer.
///
/// **Where policies hook in.** A fault that maps a private anonymous page (or a file's
/// page-cache page) loads its frame into the policy's table (`inserted`); every access through
/// `translate` sets R (and D for a write) and, only for exact-recency policies
/// (`needsEveryAccess`: LRU, LFU, MRU, 2Q, ARC, LIRS…), calls `accessed`; `tick` runs every
/// `tickInterval` accesses; `victim` is asked when free frames fall below the low watermark at
/// a fault, until they reach the high one; a frame freed for any other reason (munmap, exit,
/// COW) is `removed`. OPT needs the future and is refused here.
///
/// **OOM killer.** When a frame is needed, none is free and none can be evicted (swap full, or
/// nothing evictable), the process with the most pages (resident + swapped out) is killed
/// (status 137; ties: the highest pid, the youngest). When that is the process whose fault
/// needs the frame, the fault fails instead: SIGSEGV "out of memory", which kills it unless it
/// catches SIGSEGV.
extension Kernel {
    /// Most frames reclaim can track (16 GiB of 4 KiB pages): its tables cost ~20 bytes a frame.
    public static let maxReclaimFrames = 1 << 22

    /// Default watermarks for `frames` frames of a mode with `levels` table levels:
    /// low = max(2 × levels, frames / 64) — room for the tables a fault or a spawn may need —
    /// and high = 2 × low (at most frames / 4 and frames / 2).
    public static func defaultWatermarks(frames: Int, levels: Int) -> (low: Int, high: Int) {
        let low = min(max(2 * levels, frames / 64), max(1, frames / 4))
        return (low, min(2 * low, max(1, frames / 2)))
    }

    /// Before an operation that allocates up to `frames` page-table pages without faulting
    /// (fork): reclaims until that many frames and the low watermark are free.
    func reclaimForTables(_ frames: Int) {
        guard let r = reclaimer, Int(frameAllocator.freeFrames) < frames + r.low else { return }
        r.counters.reclaimRuns += 1
        reclaim(until: max(r.high, frames + r.low))
    }

    /// Sets up reclaim (Clock, default watermarks) when it is not yet.
    func makeReclaimer() throws(KernelError) {
        guard reclaimer == nil else { return }
        let count = Int(memory.frameCount)
        guard count <= Self.maxReclaimFrames else {
            throw .fail(.EINVAL, "reclaim", "\(count) frames are more than reclaim tracks (\(Self.maxReclaimFrames))")
        }
        let marks = Self.defaultWatermarks(frames: count, levels: mode.levels)
        do { reclaimer = try Reclaimer(frameCount: count, spec: .clock, low: marks.low, high: marks.high) } catch {
            throw .fail(.EINVAL, "reclaim", "\(error)")
        }
    }

    /// Makes `spec` the replacement policy of reclaim (pages already tracked are handed to it).
    /// EINVAL for OPT (it needs the future).
    public func setPolicy(_ spec: PolicySpec) throws(KernelError) {
        if spec == .opt { throw .fail(.EINVAL, "set_policy", "OPT needs the future: it runs only in trace replay (vm.simulate)") }
        try checkNotReclaiming()
        try makeReclaimer()
        do { try reclaimer?.replacePolicy { .builtin(try BuiltinPolicy(spec, frames: $0)) } } catch {
            throw .fail(.EINVAL, "set_policy", "\(error)")
        }
    }

    /// Makes the policy `make` builds over the kernel's frame table the replacement policy
    /// (e.g. one written in Lua).
    public func setPolicy(_ make: (FrameTable) throws -> any ReplacementPolicy) throws(KernelError) {
        try checkNotReclaiming()
        try makeReclaimer()
        do { try reclaimer?.replacePolicy { .custom(try make($0)) } } catch {
            throw .fail(.EINVAL, "set_policy", "\(error)")
        }
    }

    /// EINVAL while reclaim runs (a policy's callback cannot replace the policy).
    func checkNotReclaiming() throws(KernelError) {
        if reclaimer?.busy == true { throw .fail(.EINVAL, "set_policy", "the policy cannot change while it chooses a victim") }
    }

    /// Sets the free-frame watermarks: reclaim starts below `low` and stops at `high`.
    /// EINVAL unless 0 ≤ low ≤ high ≤ frames.
    public func setWatermarks(low: Int, high: Int) throws(KernelError) {
        try makeReclaimer()
        let frames = Int(memory.frameCount)
        guard low >= 0, low <= high, high <= frames else {
            throw .fail(.EINVAL, "watermarks", "need 0 <= low (\(low)) <= high (\(high)) <= frames (\(frames))")
        }
        reclaimer?.low = low
        reclaimer?.high = high
    }

    /// The policy's id for page `page` of `p` (`PolicyPage`: the pid in the owner field, the
    /// virtual page number below; ghost lists remember pages by it).
    @inline(__always)
    func pageID(_ p: Process, _ page: UInt64) -> UInt64 {
        PolicyPage.make(owner: UInt64(truncatingIfNeeded: p.pid), vpn: page >> UInt64(mode.pageBits))
    }

    /// The slot and raw entry of the last-level PTE of `va` in `space` (`leafOf` stops at a huge
    /// leaf instead); nil when no leaf table reaches `va` or a huge page covers it.
    func leafEntry(_ space: PageTable, _ va: UInt64) -> (slot: UInt64, raw: UInt64)? {
        space.lastLevelEntry(va)
    }

    /// Start of a fault of `p` at `va`: remembers who faults on what, and reclaims if free frames
    /// are below the low watermark.
    func prepareFault(_ p: Process, _ va: UInt64) {
        borrowing { reclaimerReference?._withUnsafeGuaranteedRef { prepareFault(p, va, $0) } }
    }

    /// `prepareFault` with the kernel's reclaim state `r`, borrowed by the caller: every fault
    /// passes here, and reading `reclaimer` costs an atomic retain and release.
    func prepareFault(_ p: Process, _ va: UInt64, _ r: Reclaimer) {
        let page = va & ~(pageBytes - 1)
        r.incoming = pageID(p, page)
        r.currentPID = p.pid
        // A page that is present (a write to a read-only page) stays while its fault is handled:
        // evicted now, it would be read back by this fault and dropped again by the next try.
        let space = p.space
        if let leaf = leafEntry(space, page), isPresent(leaf.raw) {
            r.faultingFrame = Int(truncatingIfNeeded: entryFrame(space, leaf.raw))
        }
        defer { r.faultingFrame = -1 }
        reclaimIfLow(r)
    }

    /// After a resolved fault of `p` at `va`: a private anonymous page it mapped enters the
    /// policy's table.
    func trackFault(_ p: Process, va: UInt64, access: AccessKind) {
        borrowing { reclaimerReference?._withUnsafeGuaranteedRef { trackFault(p, va: va, access: access, $0) } }
    }

    /// `trackFault` with the kernel's reclaim state `r`, borrowed by the caller (as `prepareFault`).
    func trackFault(_ p: Process, va: UInt64, access: AccessKind, _ r: Reclaimer) {
        p.faultLog.record(p.counters.accesses)
        r.machineFaults.record(Int(truncatingIfNeeded: r.frames.now))
        let page = va & ~(pageBytes - 1)
        let space = p.space
        guard let leaf = leafEntry(space, page) else { return trackHugePage(p, page) }
        guard isPresent(leaf.raw) else { return }
        let frame = entryFrame(space, leaf.raw)
        let slot = Int(frame)
        guard slot < r.frames.capacity, !r.frames.isResident(slot) else { return }
        let info = frameInfo(frame)
        guard info.state == .user, info.order == 0, info.mapcount > 0, ownerIDs.contains(info.owner) else { return }
        if info.refcount != info.mapcount {
            // Besides private anonymous pages only page-cache pages are evictable: a file's, or
            // shared anonymous memory's when there is swap to put them in.
            guard info.refcount == info.mapcount + 1, let v = p.vma(containing: page), let object = v.object,
                  !object.isAnonymous || swap != nil else { return }
            let index = (v.offset + (page - v.start)) / pageBytes
            guard object.cache[index] == frame else { return }
            r.filePages[frame] = (object, index)
        }
        r.pageVA[slot] = page
        r.frames.load(slot: slot, page: pageID(p, page))
        if access == .write { r.frames.touch(slot, isWrite: true) }
        do { try r.inserted(slot) } catch { r.policyError = r.policyError ?? error }
    }

    /// `frame` is being freed: the policy forgets it and it leaves the swap cache.
    func forgetFrame(_ frame: UInt64) {
        borrowing { reclaimerReference?._withUnsafeGuaranteedRef { forgetFrame(frame, $0) } }
    }

    /// `forgetFrame` with the kernel's reclaim state `r`, borrowed by the caller (as `prepareFault`).
    func forgetFrame(_ frame: UInt64, _ r: Reclaimer) {
        guard frame < UInt64(r.frames.capacity) else { return }
        let slot = Int(frame)
        dropSwapCache(frame, r)
        if !r.filePages.isEmpty { r.filePages[frame] = nil }
        guard r.frames.isResident(slot) else { return }
        do { try r.removed(slot) } catch { r.policyError = r.policyError ?? error }
        r.frames.free(slot: slot)
    }

    /// Start of an access through the MMU: the policy's clock advances.
    @inline(__always)
    func beginAccess() { reclaimerReference?._withUnsafeGuaranteedRef { $0.beginAccess() } }

    /// An access reached `pa`: sets R/D of its frame in the policy's table (and tells an
    /// exact-recency policy). Raises an error a policy raised meanwhile.
    @inline(__always)
    func finishAccess(_ pa: UInt64, _ access: AccessKind, faulted: Bool) throws(KernelError) {
        guard let reference = reclaimerReference else { return }
        let failed = reference._withUnsafeGuaranteedRef { r in
            r.touched(frameNumber(pa), isWrite: access == .write, faulted: faulted)
            return r.policyError != nil
        }
        if failed, let r = reclaimer, let error = r.policyError {
            r.policyError = nil
            throw .fail(.EFAULT, "policy \(r.policyName)", "\(error)")
        }
    }

    /// Reclaims until `high` frames are free when fewer than `low` are, with the kernel's reclaim
    /// state `r` (from a caller that holds it already: reading `reclaimer` costs a retain and a release).
    func reclaimIfLow(_ r: Reclaimer) {
        guard Int(frameAllocator.freeFrames) < r.low else { return }
        r.counters.reclaimRuns += 1
        _ = reclaim(until: r.high, thorough: false, r, swap)
    }

    /// Evicts victims of the policy until `target` frames are free or nothing more can be
    /// evicted; returns how many pages were evicted. A victim that cannot go (locked, mapped
    /// where the reverse map cannot see, or dirty while swap is full) is loaded again (removed
    /// and inserted: the policy treats it as a new page) and the next is asked for; at most one
    /// round over the tracked frames, and unless `thorough` (the last try before the OOM
    /// killer) 8 tries per frame wanted plus 64 (without swap most victims, anonymous pages,
    /// cannot go: a fault must not pay for a round over all of them).
    @discardableResult
    func reclaim(until target: Int, thorough: Bool = false) -> Int {
        guard let r = reclaimer else { return 0 }
        return reclaim(until: target, thorough: thorough, r, swap)
    }

    /// `reclaim` with the kernel's reclaim state `r` and swap device `swap`, read once by the caller.
    func reclaim(until target: Int, thorough: Bool, _ r: Reclaimer, _ swap: SwapDevice?) -> Int {
        guard swap != nil || !r.filePages.isEmpty, !r.busy else { return 0 }
        r.busy = true
        defer { r.busy = false }
        var evicted = 0
        var tries = r.frames.residentCount
        if !thorough { tries = min(tries, 8 * max(1, target - Int(frameAllocator.freeFrames)) + 64) }
        while Int(frameAllocator.freeFrames) < target && tries > 0 && r.frames.residentCount > 0 {
            tries -= 1
            if swap?.freeCount ?? 0 == 0 && r.slotFrame.isEmpty && r.filePages.isEmpty { break }
            let slot: Int
            do { slot = try r.victim() } catch {
                if case PolicyError.noEvictableFrame = error {} else { r.policyError = r.policyError ?? error }
                break
            }
            guard r.frames.contains(slot), r.frames.isResident(slot), !r.frames.pinned(slot) else {
                r.policyError = r.policyError ?? PolicyError.badVictim(policy: r.policyName,
                    message: "victim \(slot) is not a resident, unpinned frame")
                break
            }
            if slot != r.faultingFrame && evictFrame(UInt64(slot), r, swap) {
                evicted += 1
                continue
            }
            r.counters.skipped += 1
            let page = r.frames.page(slot)
            do {
                try r.removed(slot)
                r.frames.free(slot: slot)
                r.frames.load(slot: slot, page: page)
                try r.inserted(slot)
            } catch {
                r.policyError = r.policyError ?? error
                break
            }
        }
        return evicted
    }

    /// Evicts the private anonymous page in `frame`: finds every PTE mapping it (reverse map:
    /// each process's entry at the page's address), writes the page to its swap slot unless it
    /// is clean and the slot still holds it (swap cache), puts the swap entry in every PTE,
    /// shoots down the TLBs, and frees the frame. False (nothing changed) when the page cannot
    /// be evicted: not a private anonymous page, pinned or locked, mapped where the reverse map
    /// cannot see, or dirty with no free slot.
    func evictFrame(_ frame: UInt64) -> Bool {
        guard let r = reclaimer else { return false }
        return evictFrame(frame, r, swap)
    }

    /// `evictFrame` with the kernel's reclaim state `r` and swap device `swap` (from a caller
    /// that holds them already).
    func evictFrame(_ frame: UInt64, _ r: Reclaimer, _ swap: SwapDevice?) -> Bool {
        if !r.filePages.isEmpty, let file = r.filePages[frame] { return evictFilePage(frame, file.object, file.index) }
        guard let swap else { return false }
        let info = frameInfo(frame)
        if info.order > 0 && Int(info.order) == hugeOrder { return evictHugePage(frame) }
        guard info.state == .user, info.order == 0, !info.pinned, info.mapcount > 0, info.refcount == info.mapcount else {
            return false
        }
        let va = r.pageVA[Int(frame)]
        var found = PageMappings()
        var dirty = false
        /// Adds `p`'s mapping of the page, if it has one; false when it lies in a locked area.
        func collect(_ p: Process) -> Bool {
            let space = p.space
            guard let leaf = leafEntry(space, va), isPresent(leaf.raw), entryFrame(space, leaf.raw) == frame else { return true }
            guard let i = p.vmaIndex(containing: va), !p.vmas[i].flags.contains(.locked) else { return false }
            found.append(p, slot: leaf.slot)
            if leaf.raw & mode.layout.dirty != 0 { dirty = true }
            return true
        }
        // A page mapped once is mapped, as a rule, by the process that loaded it (the pid in its
        // policy page id): look there first, and at every process (lowest pid first) otherwise.
        if info.mapcount == 1, let loader = processes[Int(truncatingIfNeeded: PolicyPage.owner(r.frames.page(Int(frame))))] {
            guard collect(loader) else { return false }
        }
        if found.isEmpty {
            for p in processList { guard collect(p) else { return false } }
        }
        guard found.count == Int(info.mapcount) else { return false }
        var slot = Int(r.cacheSlot[Int(frame)])
        var write = dirty || !canTrackDirty
        if slot < 0 {
            guard let fresh = swap.allocateSlot() else { return false }
            slot = fresh
            linkSwapCache(frame, slot, r)
            write = true
        }
        let pa = memory.address(frame: frame)
        let firstPID = found.firstMapping?.process.pid ?? 0
        writeOut(frame, to: slot, write: write, r, swap)
        let entry = swapEntry(slot: UInt64(slot))
        for (p, pte) in found {
            let space = p.space
            try? space.writeEntry(pte, entry)
            swap.users[slot] += 1
            p.counters.swapOuts += 1
            space.mappedBytes -= pageBytes
            mappingsChanged(space, va: va, length: pageBytes)
            adjustFrame(frame, refs: -1, maps: -1)   // the last one frees it (forgetFrame)
        }
        if r.swapsPageTables { for (p, _) in found { swapOutTableIfUnused(p, va) } }
        // Observers (Lua) run only now, when the kernel is consistent again.
        guard observer != nil else { return true }
        if write {
            emit("writeback", [("pid", .integer(firstPID)), ("va", .integer(Int(truncatingIfNeeded: va))),
                               ("slot", .integer(slot)), ("pa", .integer(Int(pa)))])
        }
        emit("evict", [("pid", .integer(firstPID)), ("va", .integer(Int(truncatingIfNeeded: va))),
                       ("pa", .integer(Int(pa))), ("dirty", .flag(write)), ("mappings", .integer(found.count))])
        for (p, _) in found {
            emit("swap_out", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: va))),
                              ("slot", .integer(slot)), ("written", .flag(write))])
        }
        return true
    }

    /// The swap-out of the victim in `frame` to `slot`: stores its page there and counts a
    /// write-back (with the device's write latency) when `write`, else counts a clean drop.
    /// `r` and `swap` are the kernel's, passed by the caller (reading them again costs retains).
    func writeOut(_ frame: UInt64, to slot: Int, write: Bool, _ r: Reclaimer, _ swap: SwapDevice) {
        if write {
            storePage(frame, in: slot, swap)
            r.counters.writebacks += 1
            machineCounters.cycles &+= swap.writeLatency
        } else {
            r.counters.cleanDrops += 1
        }
        r.counters.swapOuts += 1
        swap.lastUse[slot] = r.lastUse[Int(frame)]
    }

    /// A frame of order 0 for `owner`, reclaiming (and OOM-killing) when none is free.
    func allocReclaiming(owner: Int32, call: String) throws(KernelError) -> UInt64 {
        while true {
            if let frame = try? machine.allocateFrames(order: 0, state: .user, owner: owner, purpose: "a page of \(call)") {
                return frame
            }
            if reclaim(until: 1, thorough: true) > 0 { continue }
            guard killForMemory() else {
                throw .fail(.ENOMEM, call, "out of memory: no frame is free and none can be reclaimed")
            }
        }
    }

    /// The OOM killer: kills the process with the most resident + swapped-out pages (ties: the
    /// highest pid) and returns true; returns false when there is none, or it is the process
    /// whose fault needs memory (that fault then fails with SIGSEGV "out of memory").
    func killForMemory() -> Bool {
        guard let r = reclaimer else { return false }
        var best: (pages: UInt64, pid: Int)?
        for p in processList where p.space.isLive {
            var swapped: UInt64 = 0
            for v in p.vmas {
                try? forEachEntry(p.space, v.start, v.end) { (_, _, raw, _) throws(KernelError) in
                    if swapSlot(raw) != nil { swapped += 1 }
                }
            }
            swapped += swappedTableEntries(p.space, 0, userTop)
            let pages = p.space.mappedBytes / pageBytes + swapped
            if best == nil || pages >= best!.pages { best = (pages, p.pid) }
        }
        guard let best, let victim = processes[best.pid] else { return false }
        r.counters.ooms += 1
        emit("oom", [("pid", .integer(victim.pid)), ("pages", .integer(Int(best.pages))),
                     ("requester", .integer(r.currentPID))])
        if victim.pid == r.currentPID { return false }
        exit(victim, status: 128 + 9)
        return true
    }
}

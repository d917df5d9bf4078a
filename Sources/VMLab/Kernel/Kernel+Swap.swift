/// Swap: the device, swap-in (with the swap cache), the slot use counts that fork and munmap
/// change, and the swap part of `check()`.
///
/// **Swap cache.** A page read back from a slot keeps the slot while it is mapped read-only
/// (in every mapping): evicting it again drops it without a write. The first write (a COW
/// reuse, or a mapping made writable by mprotect) unlinks it from the slot, which is freed
/// when no swap entry names it; the next eviction writes it to a fresh slot.
extension Kernel {
    /// Most swap slots a device may have (16 GiB of 4 KiB pages): its tables cost ~30 bytes a slot.
    public static let maxDeviceSlots = 1 << 22

    /// The largest number of swap slots a swap entry of this mode can name (at most
    /// `maxDeviceSlots`).
    public var maxSwapSlots: Int {
        let field = PTELayout.lowMask(mode.layout.frameBits)
        return field <= 1 ? 0 : Int(min(field - 1, UInt64(Self.maxDeviceSlots)))
    }

    /// Installs a swap device of `bytes` (whole pages) with read and write latencies in cycles
    /// (defaults: the cost model's major fault and swap write), and reclaim with its defaults
    /// when there is none yet (see `setPolicy`). EINVAL for a size that is not a whole number of
    /// pages, holds more slots than `maxSwapSlots`, or when a device is already installed.
    public func enableSwap(bytes: UInt64, readLatency: Int? = nil, writeLatency: Int? = nil) throws(KernelError) {
        guard swap == nil else { throw .fail(.EINVAL, "swap", "a swap device is already installed") }
        guard bytes % pageBytes == 0 else {
            throw .fail(.EINVAL, "swap", "size \(bytes) is not a whole number of \(Units.size(pageBytes)) pages")
        }
        let slots = bytes / pageBytes
        guard slots <= UInt64(maxSwapSlots) else {
            throw .fail(.EINVAL, "swap", "\(slots) slots are more than \(mode.name) swap supports (\(maxSwapSlots))")
        }
        if let readLatency, readLatency < 0 { throw .fail(.EINVAL, "swap", "read_latency must not be negative") }
        if let writeLatency, writeLatency < 0 { throw .fail(.EINVAL, "swap", "write_latency must not be negative") }
        try makeReclaimer()
        swap = SwapDevice(slots: Int(slots), pageBytes: Int(pageBytes), readLatency: readLatency ?? costModel.pointee.majorFault,
                          writeLatency: writeLatency ?? costModel.pointee.swapWrite)
        installSwapHooks()
    }

    /// Lets fork and munmap count the users of swap slots (`enableSwap`, or a restored device).
    func installSwapHooks() {
        swapDuplicateHook = { [unowned self] slot in self.duplicateSwapSlot(slot) }
        swapFreeHook = { [unowned self] slot in self.freeSwapSlot(slot) }
    }

    /// fork copied a swap entry naming `slot`: one more user.
    func duplicateSwapSlot(_ slot: UInt64) {
        guard let swap, swap.isAllocated(Int(truncatingIfNeeded: slot)) else { return }
        swap.users[Int(slot)] += 1
    }

    /// A swap entry naming `slot` was dropped: one user less; the slot is freed when it has no
    /// user and no resident page keeps it (swap cache).
    func freeSwapSlot(_ slot: UInt64) {
        guard let swap, swap.isAllocated(Int(truncatingIfNeeded: slot)) else { return }
        let s = Int(slot)
        swap.users[s] -= 1
        if swap.users[s] <= 0 && reclaimer?.slotFrame[s] == nil { swap.releaseSlot(s) }
    }

    /// True when each frame is one storage block of the host's own memory, which swap copies
    /// straight from and into (a guest's memory goes through its checked accesses, which back
    /// its pages and count their exits).
    var framesAreStorageBlocks: Bool { pageBytes == PhysicalMemory.blockBytes && !memory.isGuestMemory }

    /// Copies `frame`'s page into swap slot `slot` (straight from its storage block when
    /// `framesAreStorageBlocks`: no array in between).
    func storePage(_ frame: UInt64, in slot: Int, _ swap: SwapDevice) {
        let pa = memory.address(frame: frame)
        if framesAreStorageBlocks {
            swap.store(slot, copying: memory.existingBlock(pa).map { UnsafeRawPointer($0) }, count: Int(pageBytes))
        } else {
            swap.store(slot, try? memory.readBytes(pa, count: Int(pageBytes)))
        }
    }

    /// Copies swap slot `slot` into `frame`, a frame just allocated (all zero: a slot that
    /// holds nothing leaves it so).
    func loadPage(from slot: Int, into frame: UInt64) {
        guard let swap, swap.isAllocated(slot), swap.pageOfSlot[slot] >= 0 else { return }
        let pa = memory.address(frame: frame)
        if framesAreStorageBlocks {
            swap.load(slot, into: memory.block(pa), count: Int(pageBytes))
        } else if let bytes = swap.load(slot) {
            try? memory.writeBytes(pa, bytes)
        }
    }

    /// True when the kernel can tell a written page from a clean one (a dirty bit and a
    /// writable bit in the PTE): only then does the swap cache keep slots of resident pages.
    var canTrackDirty: Bool { mode.layout.dirty != 0 && canWriteProtect }

    /// Links resident `frame` to `slot` (the slot holds its bytes).
    func linkSwapCache(_ frame: UInt64, _ slot: Int, _ r: Reclaimer) {
        r.cacheSlot[Int(frame)] = Int32(slot)
        r.slotFrame[slot] = frame
    }

    /// Unlinks `frame` from its swap slot (it is about to be written, or is freed); frees the
    /// slot when no swap entry names it.
    func dropSwapCache(_ frame: UInt64) {
        guard let r = reclaimer else { return }
        dropSwapCache(frame, r)
    }

    /// `dropSwapCache` with the kernel's reclaim state `r` (from a caller that holds it already).
    func dropSwapCache(_ frame: UInt64, _ r: Reclaimer) {
        guard Int(frame) < r.cacheSlot.count else { return }
        let slot = Int(r.cacheSlot[Int(frame)])
        guard slot >= 0 else { return }
        r.cacheSlot[Int(frame)] = -1
        r.slotFrame[slot] = nil
        if let swap, swap.users[slot] <= 0 { swap.releaseSlot(slot) }
    }

    /// The swap-in of page `page` of `p`, whose PTE names `slot`: maps the page from the swap
    /// cache when it is still resident (minor), else reads it into a fresh frame (major, the
    /// device's read latency). The mapping is writable only for a write by the slot's last user
    /// (the page then leaves the swap cache); otherwise read-only, so a write goes through COW.
    func swapInPage(_ p: Process, _ v: VMA, _ page: UInt64, slot: UInt64, access: AccessKind,
                    _ swap: SwapDevice, _ r: Reclaimer) throws(KernelError) -> FaultKind {
        guard slot < UInt64(swap.slotCount), swap.isAllocated(Int(slot)), swap.users[Int(slot)] > 0 else {
            throw try segv(p, page, access, .noSwap, detail: "swap entry names slot \(slot), which holds no page")
        }
        let s = Int(slot)
        let frame: UInt64
        var kind = FaultKind.swapCache
        let pte: UInt64?   // the slot of the page's entry, while it still holds the swap entry
        var space = p.space   // read once: each read of p.space costs a retain and a release
        if let cached = r.slotFrame[s] {
            frame = cached
            r.counters.cacheHits += 1
            pte = leafEntry(space, page)?.slot
        } else {
            do { frame = try allocFrame(owner: space.owner, call: "swap-in") } catch {
                throw try segv(p, page, access, .outOfMemory)
            }
            // The allocation may have reclaimed or killed: make sure the entry is still ours.
            space = p.space
            guard p.isAlive, let entry = leafEntry(space, page), swapSlot(entry.raw) == slot, r.slotFrame[s] == nil else {
                try? machine.freeFrames(first: frame, order: 0)
                return .spurious
            }
            pte = entry.slot
            loadPage(from: s, into: frame)
            linkSwapCache(frame, s, r)
            kind = .swapIn
            r.counters.swapIns += 1
            p.counters.swapIns += 1
            machineCounters.cycles &+= swap.readLatency &- costModel.pointee.majorFault
        }
        swap.users[s] -= 1
        if let pte { try? space.writeEntry(pte, 0) }
        let exclusive = swap.users[s] == 0 && frameInfo(frame).refcount == 0
        let writable = v.protection.write && exclusive && (access == .write || !canTrackDirty)
        if writable || !canTrackDirty { dropSwapCache(frame, r) }
        if let pte {
            try installPage(p, at: pte, frame: frame, writable: writable, executable: v.protection.execute, call: "swap-in")
        } else {
            try installPage(p, page, frame: frame, writable: writable, executable: v.protection.execute, call: "swap-in")
        }
        if kind == .swapIn {
            emit("swap_in", [("pid", .integer(p.pid)), ("va", .integer(Int(truncatingIfNeeded: page))),
                             ("slot", .integer(s)), ("pa", .integer(Int(memory.address(frame: frame))))])
        }
        return kind
    }

    /// The swap part of `check()`: every swap entry in a page table names an allocated slot
    /// inside a VMA; each slot's user count equals the entries naming it; every allocated slot
    /// has a user or a resident page (swap cache), else it leaked; the swap cache links are
    /// mutual and point at mapped frames; the policy tracks only allocated user frames, mapped
    /// unless they are page-cache pages of a file (which it tracks where the cache holds them).
    func checkSwap(_ problems: inout [String]) {
        guard let r = reclaimer else { return }
        for slot in 0..<r.frames.capacity where r.frames.isResident(slot) {
            let info = frameInfo(UInt64(slot))
            let file = r.filePages[UInt64(slot)]
            if info.state != .user || info.mapcount == 0 && file == nil && !machine.dmaPins.isHeld(UInt64(slot)) {
                problems.append("frame \(Units.hex(UInt64(slot))): tracked by the replacement policy but \(info.state) with mapcount \(info.mapcount)")
            }
            if let file, file.object.cache[file.index] != UInt64(slot) {
                problems.append("frame \(Units.hex(UInt64(slot))): tracked as page \(file.index) of \(file.object.name), which the page cache does not hold there")
            }
        }
        guard let swap else { return }
        var named = Array(repeating: Int32(0), count: swap.slotCount)
        for p in processList where p.space.isLive {
            try? forEachEntry(p.space, 0, userTop) { (va, _, raw, _) throws(KernelError) in
                guard let slot = swapSlot(raw) else { return }
                guard slot < UInt64(swap.slotCount), swap.isAllocated(Int(slot)) else {
                    problems.append("pid \(p.pid): swap entry for \(Units.hex(va)) names slot \(slot), which is not allocated")
                    return
                }
                named[Int(slot)] += 1
                if p.vma(containing: va) == nil { problems.append("pid \(p.pid): swap entry for \(Units.hex(va)) lies outside every VMA") }
            }
        }
        checkSharedSwap(&named, &problems)
        checkSwappedTables(&named, &problems)
        var used = 0
        for slot in 0..<swap.slotCount where swap.isAllocated(slot) {
            used += 1
            if swap.users[slot] != named[slot] {
                problems.append("swap slot \(slot): user count \(swap.users[slot]) but \(named[slot]) swap entries name it")
            }
            if named[slot] == 0 && r.slotFrame[slot] == nil { problems.append("swap slot \(slot): allocated but unused (leaked)") }
        }
        if used != swap.usedCount { problems.append("swap: \(swap.usedCount) slots counted in use but \(used) are allocated") }
        for (slot, frame) in r.slotFrame.links {
            let info = frameInfo(frame)
            if Int(r.cacheSlot[Int(frame)]) != slot || !swap.isAllocated(slot) || info.state != .user || info.mapcount == 0 {
                problems.append("swap slot \(slot): swap cache link to frame \(Units.hex(frame)) is broken (\(info.state), mapcount \(info.mapcount))")
            }
        }
    }
}

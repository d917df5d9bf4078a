/// Kernel primitives for replacement fault handlers (`faultHook`), e.g. a student's demand
/// paging or COW written in Lua. They keep the frame counts right, so `check()` stays clean
/// when the handler is right (and says what is wrong when it is not).
extension Kernel {
    /// A zeroed frame owned by `p` (refcount 0: map it, or it shows up in `check()` as leaked).
    /// Returns its physical address.
    public func primitiveAllocFrame(_ p: Process) throws(KernelError) -> UInt64 {
        memory.address(frame: try allocFrame(owner: p.space.owner, call: "alloc_frame"))
    }

    /// Maps the page at `va` of `p` to the frame at `pa` with `protection` (user page),
    /// replacing (and un-counting) whatever was mapped there. EINVAL outside user space or for
    /// an unaligned address; EFAULT for a frame that is not allocated.
    public func primitiveMap(_ p: Process, _ va: UInt64, _ pa: UInt64, _ protection: Protection) throws(KernelError) {
        try checkAlive(p, "map")
        guard va & (pageBytes - 1) == 0, pa & (pageBytes - 1) == 0 else {
            throw .fail(.EINVAL, "map", "\(Units.hex(va)) and \(Units.hex(pa)) must be page aligned")
        }
        guard va < userTop else { throw .fail(.EINVAL, "map", "\(Units.hex(va)) is not a user address") }
        guard pa < memory.bytes, frameInfo(frameNumber(pa)).state == .user else {
            throw .fail(.EFAULT, "map", "physical address \(Units.hex(pa)) is not a user frame (from alloc_frame or a mapping)")
        }
        // Hold the new frame while the old mapping goes: remapping a page to its own frame must
        // not free it on the way.
        let frame = frameNumber(pa)
        adjustFrame(frame, refs: 1, maps: 0)
        defer { adjustFrame(frame, refs: -1, maps: 0) }
        try primitiveUnmap(p, va)
        try installPage(p, va, frame: frame, writable: protection.write, executable: protection.execute,
                        user: !protection.isNone, call: "map")
        mappingsChanged(p.space, va: va, length: pageBytes)
    }

    /// Removes the mapping of the page at `va` (frame freed when it was the last reference).
    public func primitiveUnmap(_ p: Process, _ va: UInt64) throws(KernelError) {
        try checkAlive(p, "unmap")
        let page = va & ~(pageBytes - 1)
        guard page < userTop else { throw .fail(.EINVAL, "unmap", "\(Units.hex(va)) is not a user address") }
        try checkHugeBoundaries(p, page, page + pageBytes, call: "unmap")
        zapRange(p, page, page + pageBytes)
    }

    /// Fills the frame at `pa` with zeros.
    public func primitiveZero(_ pa: UInt64) throws(KernelError) {
        do { try memory.zero(pa & ~(pageBytes - 1), length: pageBytes) } catch { throw .from(error, in: "zero") }
    }

    /// Copies the frame at `source` to the frame at `destination`.
    public func primitiveCopyFrame(_ source: UInt64, _ destination: UInt64) throws(KernelError) {
        do {
            try memory.copy(from: source & ~(pageBytes - 1), to: destination & ~(pageBytes - 1), length: pageBytes)
        } catch {
            throw .from(error, in: "copy_frame")
        }
        machineCounters.cycles &+= costModel.pointee.pageCopy
    }

    /// Brings the page at `va` back from swap through `swapInHook`. EINVAL when its PTE holds
    /// no swap entry, ENOMEM-like EFAULT when no swap device is installed.
    public func primitiveSwapIn(_ p: Process, _ va: UInt64) throws(KernelError) {
        let page = va & ~(pageBytes - 1)
        try swapInTable(p.space, page, pid: p.pid)      // a table in swap first: its entry is not the page's
        guard let slot = swapSlot(readPTE(p.space, page)) else {
            throw .fail(.EINVAL, "swap_in", "the PTE of \(Units.hex(page)) holds no swap entry")
        }
        guard let v = p.vma(containing: page) else { throw .fail(.EFAULT, "swap_in", "\(Units.hex(page)) is not in a VMA") }
        guard swapInHook != nil || swap != nil else { throw .fail(.EFAULT, "swap_in", "no swap device is installed") }
        let kind = try swapIn(p, v, page, slot: slot, access: .read)
        count(p, kind, va: page, access: .read)
    }

    /// The refcount of the frame at `pa`.
    public func refcount(_ pa: UInt64) -> Int {
        pa < memory.bytes ? Int(frameInfo(frameNumber(pa)).refcount) : 0
    }
}

/// The MMU's miss path on a machine with an inverted or hashed page table: after the TLBs, no
/// page-walk caches (the table has no upper levels to skip) — the table is searched and the
/// TLBs that hold base pages are filled. `translate` branches here once, on the space's kind.
extension CPU {
    /// Searches the machine's table for `va` (references × `costs.memoryReference` cycles on top
    /// of `cycles`), then fills the TLBs or reports the fault in `r`.
    @inline(never)
    func searchTable(_ va: UInt64, _ kind: AccessKind, _ privilege: Privilege, _ space: PageTable,
                     tag: UInt32, pkru: UInt32, cycles: Int, into r: inout MMUResult) {
        let t = space.searchHashed(va, kind, privilege, scratch: scratch, pkru: pkru)
        finishMiss(va, kind, t, tag: tag, cycles: cycles, into: &r)
    }

    /// Completes a miss served without page-walk caches (a search, or the built-in software
    /// refill's walk): costs the references, and fills every TLB level that holds the page's
    /// size with the leaf flags in `scratch` (`insert`: `translate` has just looked them all up
    /// and missed), or reports the fault.
    @inline(__always)
    func finishMiss(_ va: UInt64, _ kind: AccessKind, _ t: Translation, tag: UInt32, cycles: Int, into r: inout MMUResult) {
        r.references = t.references
        r.cycles = cycles &+ t.references &* costs.pointee.memoryReference
        if t.fault != nil { r.fault = t.fault; return }
        r.physicalAddress = t.physicalAddress
        r.pageBytes = t.pageBytes
        let sizeIndex = sizeIndexOf[t.level]
        let key = (kind == .execute ? 8 : 0) &+ sizeIndex
        for k in 0..<fillCount[key] {
            fillTLB[key &* 16 &+ k].pointee.insert(va, sizeIndex: sizeIndex, base: t.physicalAddress & ~(t.pageBytes &- 1),
                                                   flags: scratch.leafFlags.pointee, tag: tag)
        }
    }
}

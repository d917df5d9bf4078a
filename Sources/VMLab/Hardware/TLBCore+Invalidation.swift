/// Invalidation on the hot half of a structure: the kernel invalidates at every eviction (an
/// `invlpg` per structure and a flush of each page-walk cache), so these run straight on the
/// core, from raw pointers, without a class reference to retain.
extension TLBCore {
    /// invlpg: clears the entries translating `va` (every held size) that carry `tag` or are
    /// global, of the tag's VMID. Returns how many, counted as invalidations.
    @inline(__always)
    mutating func invalidate(_ va: UInt64, tag: UInt32) -> Int {
        // `lookup`'s probe of a set, kept apart from it: shared, it cost each lookup about 16
        // instructions (measured on mmu-random-1g).
        let salt = TLBMeta.salt(tag)
        let tagBits = tag & TLBMeta.tagMask
        var removed = 0
        var h = 0
        while h < heldCount {
            if sizeCounts[h] == 0 { h &+= 1; continue }   // a size with no entry has nothing to remove
            let vpn = va &>> heldShifts[h]
            let set = setOf(vpn)
            let key = vpn | salt
            let sizeTag = heldSizeTags[h]
            var i = set &* ways
            let end = i &+ ways
            while true {
                i = firstKey(key, from: i, end: end)
                if i == end { break }
                let m = metas[i]
                if m & TLBMeta.valid != 0 && m & TLBMeta.sizeMask == sizeTag
                    && (m & TLBMeta.tagMask == tagBits || m & TLBMeta.global != 0) {
                    clear(i, set: set)
                    sizeCounts[h] &-= 1
                    removed &+= 1
                }
                i &+= 1
            }
            h &+= 1
        }
        state.pointee.stats.invalidations &+= removed
        return removed
    }

    /// Removes the non-global entries tagged `tag` (INVPCID single-context; of the tag's VMID
    /// when guests share the structure), visiting the valid entries only.
    mutating func flush(asid tag: UInt32) {
        // Valid, not global, tagged `tag`: one masked compare per entry.
        let mask = TLBMeta.valid | TLBMeta.global | TLBMeta.tagMask
        let want = TLBMeta.valid | (tag & TLBMeta.tagMask)
        let salt = TLBMeta.salt(tag)
        let metas = self.metas, keys = self.keys, byVMID = tagsVMID
        Self.forEachValid(validSlots, words: validWords) { i in
            if metas[i] & mask == want && (!byVMID || keys[i] & TLB.vmidKeyMask == salt) { drop(i) }
        }
        state.pointee.stats.flushes &+= 1
    }

    /// Clears valid entry `i` and takes it off its size's count.
    @inline(__always)
    mutating func drop(_ i: Int) {
        let size = Int((metas[i] & TLBMeta.sizeMask) >> TLBMeta.sizeShift)
        clear(i, set: ordered ? i / ways : 0)   // a division only where `validWays` is kept
        sizeCounts[localOfSize[size]] &-= 1
    }
}

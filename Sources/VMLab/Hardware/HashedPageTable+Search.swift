/// The MMU's search of an inverted or hashed table: what happens on a TLB miss instead of a
/// radix walk. One memory reference per word group read: an anchor, or an entry (tag and PTE
/// together; PowerPC reads a whole 128-byte group as one cache line, which this model counts
/// as the entries it compares). No allocation unless the hashed table must reload a
/// translation from its overflow table (the operating system's work, rare by design).
extension HashedPageTable {
    /// Searches (space id, VPN of `va`) for an access, checks permissions like the radix
    /// walker's leaf (user, read, write, execute, protection key), sets Accessed (and Dirty on
    /// a write) in the entry, and reports into `scratch` the TLB flags. Records every read in
    /// `search` when given. Counts a walk, references, cycles and faults on the machine.
    func resolve(_ space: PageTable, _ va: UInt64, _ access: AccessKind, _ privilege: Privilege,
                 scratch: MMUWalkScratch?, pkru: UInt32, search: UnsafeMutablePointer<HashSearch>?) -> Translation {
        let counters = space.counterStorage
        counters.pointee.walks &+= 1
        counts.pointee.searches &+= 1
        var result = Translation()
        guard space.isCanonical(va) else {
            return space.fail(&result, va, access, privilege, .nonCanonical, level: leafLevel)
        }
        let id = space.spaceID, page = vpn(va)
        var index = probe(id: id, vpn: page, references: &result.references, search: search)
        if index < 0, kind == .hashed, let raw = overflow.removeValue(forKey: key(id: id, vpn: page)) {
            // A hash miss the operating system serves: reload from the overflow table, retry.
            counts.pointee.overflowReloads &+= 1
            counters.pointee.cycles &+= space.costStorage.pointee.minorFault
            if let search {
                search.pointee.reloaded = true
                search.pointee.probes.append(HashProbe(what: "overflow", index: 0, slot: 0, address: 0,
                                                       tag: HashedPageTable.valid | key(id: id, vpn: page), pte: raw, updated: raw, matched: true))
            }
            do { _ = try insert(id: id, vpn: page, pte: raw) } catch { /* hashed inserts never throw */ }
            index = probe(id: id, vpn: page, references: &result.references, search: search)
        }
        guard index >= 0 else {
            return space.fail(&result, va, access, privilege, .notPresent, level: leafLevel)
        }
        let slot = entryAddress(index) &+ 8
        let raw = pteWidth == 8 ? memory.load64(slot) : memory.loadAligned(slot, width: pteWidth)
        let l = layout
        let writable = raw & l.writable != 0
        let user = raw & l.user != 0
        let readable = l.readable == 0 || raw & l.readable != 0
        let executable = raw & l.noExecute == 0 && (l.executable == 0 || raw & l.executable != 0)
        if raw & l.present == 0 { return space.fail(&result, va, access, privilege, .notPresent, level: leafLevel) }
        if privilege == .user && !user { return space.fail(&result, va, access, privilege, .supervisorOnly, level: leafLevel) }
        switch access {
        case .read: if !readable { return space.fail(&result, va, access, privilege, .notReadable, level: leafLevel) }
        case .write: if !writable { return space.fail(&result, va, access, privilege, .writeProtected, level: leafLevel) }
        case .execute: if !executable { return space.fail(&result, va, access, privilege, .executeDisabled, level: leafLevel) }
        }
        let key = l.protectionKeyShift > 0 ? Int((raw >> UInt64(l.protectionKeyShift)) & 0xf) : 0
        if pkru != 0 && user && access != .execute && ProtectionKeys.denies(pkru, key: key, write: access == .write) {
            return space.fail(&result, va, access, privilege, .protectionKey, level: leafLevel, key: key)
        }
        let updated = raw | l.accessed | (access == .write ? l.dirty : 0)
        if updated != raw {
            memory.storeAligned(slot, updated, width: pteWidth)
            if let search, !search.pointee.probes.isEmpty { search.pointee.probes[search.pointee.probes.count - 1].updated = updated }
        }
        if let scratch {
            scratch.leafFlags.pointee = TLBMeta.leaf(raw, globalBit: l.global, readable: readable, writable: writable,
                                                     executable: executable, user: user,
                                                     dirty: l.dirty == 0 || updated & l.dirty != 0, key: key)
        }
        result.physicalAddress = memory.address(frame: frameOf(raw)) | (va & (pageBytes &- 1))
        result.pageBytes = pageBytes
        result.level = leafLevel
        counters.pointee.memoryReferences &+= result.references
        counters.pointee.cycles &+= result.references &* space.costStorage.pointee.memoryReference
        return result
    }

    /// The hardware search: reads the anchor and follows the chain (inverted) or reads the
    /// entries of the primary then the secondary group (hashed), one reference per read,
    /// stopping at the entry whose tag matches. Returns its index or -1. At most `entryCount`
    /// links are followed, so a corrupt (cyclic) chain ends in a miss instead of a hang.
    @inline(__always)
    func probe(id: UInt64, vpn: UInt64, references: inout Int, search: UnsafeMutablePointer<HashSearch>?) -> Int {
        let key = key(id: id, vpn: vpn)
        let h = hash(id: id, vpn: vpn)
        var reads = 0, misses = 0
        defer {
            references &+= reads
            counts.pointee.probes &+= reads
            counts.pointee.collisions &+= misses
            if let search { search.pointee.collisions &+= misses }
        }
        if kind == .inverted {
            let bucket = h & bucketMask
            var link = memory.load64(anchorAddress(bucket))
            reads &+= 1
            if let search {
                search.pointee.bucket = Int(bucket)
                search.pointee.chainLength = chainLength(bucket)
                search.pointee.probes.append(HashProbe(what: "anchor", index: Int(bucket), slot: 0, address: anchorAddress(bucket),
                                                       tag: link, pte: 0, updated: 0, matched: false))
            }
            var steps = 0
            while link != 0 && link <= UInt64(entryCount) && steps < entryCount {
                let index = Int(link &- 1)
                let t = tag(index)
                reads &+= 1
                let hit = t == HashedPageTable.valid | key
                if let search {
                    let raw = pte(index)
                    search.pointee.probes.append(HashProbe(what: "entry", index: index, slot: 0, address: entryAddress(index),
                                                           tag: t, pte: raw, updated: raw, matched: hit))
                }
                if hit { return index }
                misses &+= 1
                link = next(index)
                steps &+= 1
            }
            return -1
        }
        let primary = h & bucketMask, secondary = ~h & bucketMask
        if let search {
            search.pointee.bucket = Int(primary)
            search.pointee.secondaryBucket = Int(secondary)
            search.pointee.chainLength = groupOccupancy(primary) + (secondary == primary ? 0 : groupOccupancy(secondary))
        }
        var group = primary, flag: UInt64 = 0
        for pass in 0..<2 {
            let first = Int(group) &* HashedPageTable.groupEntries
            for slot in 0..<HashedPageTable.groupEntries {
                let index = first &+ slot
                let t = tag(index)
                reads &+= 1
                let hit = t == HashedPageTable.valid | flag | key
                if let search {
                    let raw = pte(index)
                    search.pointee.probes.append(HashProbe(what: pass == 0 ? "primary" : "secondary", index: Int(group), slot: slot,
                                                           address: entryAddress(index), tag: t, pte: raw, updated: raw, matched: hit))
                }
                if hit { return index }
                if t & HashedPageTable.valid != 0 { misses &+= 1 }
            }
            group = secondary
            flag = HashedPageTable.secondary
        }
        return -1
    }

    /// Entries on the chain of anchor `bucket` (software count, for reports).
    func chainLength(_ bucket: UInt64) -> Int {
        var link = memory.load64(anchorAddress(bucket)), count = 0
        while link != 0 && link <= UInt64(entryCount) && count < entryCount {
            count += 1
            link = next(Int(link - 1))
        }
        return count
    }

    /// Valid entries in `group`.
    func groupOccupancy(_ group: UInt64) -> Int {
        let first = Int(group) * HashedPageTable.groupEntries
        return (first..<(first + HashedPageTable.groupEntries)).filter { tag($0) & HashedPageTable.valid != 0 }.count
    }
}

/// Finding, inserting and removing entries by (space id, VPN): the anchor chains of the
/// inverted table and the groups of the hashed table. Software operations (the kernel's): they
/// count no memory references.
extension HashedPageTable {
    /// Physical address of anchor `bucket` (inverted).
    @inline(__always)
    func anchorAddress(_ bucket: UInt64) -> UInt64 { anchorBase &+ bucket &* 8 }

    /// The `next` word of inverted entry `index` (index + 1 of the next entry, 0 = end).
    @inline(__always)
    func next(_ index: Int) -> UInt64 { memory.load64(entryAddress(index) &+ 16) }

    /// Hashed: the first entry index of the primary (`pass` 0) or secondary (`pass` 1) group of
    /// `hash`, and the H bit its entries carry.
    @inline(__always)
    func group(_ pass: Int, hash h: UInt64) -> (first: Int, flag: UInt64) {
        pass == 0 ? (Int(h & bucketMask) &* HashedPageTable.groupEntries, 0)
                  : (Int(~h & bucketMask) &* HashedPageTable.groupEntries, HashedPageTable.secondary)
    }

    /// The entry index holding (id, vpn), or nil (the overflow table is not searched).
    func find(id: UInt64, vpn: UInt64) -> Int? {
        let key = key(id: id, vpn: vpn)
        let h = hash(id: id, vpn: vpn)
        if kind == .inverted {
            var link = memory.load64(anchorAddress(h & bucketMask))
            var steps = 0
            while link != 0, link <= UInt64(entryCount), steps <= entryCount {
                let index = Int(link - 1)
                if tag(index) == HashedPageTable.valid | key { return index }
                link = next(index)
                steps += 1
            }
            return nil
        }
        for pass in 0..<2 {
            let (first, flag) = group(pass, hash: h)
            for index in first..<(first + HashedPageTable.groupEntries) where tag(index) == HashedPageTable.valid | flag | key {
                return index
            }
        }
        return nil
    }

    /// Inserts (id, vpn) → `pte` (not present yet). Inverted: the frame's own entry, or an
    /// alias entry when another page holds it (throws when the alias pool is full). Hashed: a
    /// free slot of the primary, then the secondary group, else evicts a random primary slot
    /// to the overflow table. Returns the entry index.
    @discardableResult
    func insert(id: UInt64, vpn: UInt64, pte: UInt64) throws(VMError) -> Int {
        let key = key(id: id, vpn: vpn)
        let h = hash(id: id, vpn: vpn)
        if kind == .inverted {
            let frame = frameOf(pte)
            var index = Int(frame)
            if frame >= UInt64(frameEntries) || tag(index) & HashedPageTable.valid != 0 {
                guard let alias = freeAliases.popLast() else {
                    counts.pointee.aliasRefusals += 1
                    let holder = frame < UInt64(frameEntries) ? tag(Int(frame)) : 0
                    throw .invalidConfiguration(what: "inverted page table", reason: "frame \(frame) is already mapped (space "
                        + "\((holder >> HashedPageTable.idShift) & UInt64(HashedPageTable.maxSpaceID)), VPN "
                        + "\(Units.hex(holder & HashedPageTable.vpnMask))) and all \(aliasCount) alias entries are in use: "
                        + "an inverted table has one entry per frame")
                }
                index = alias
                counts.pointee.aliasesUsed += 1
            }
            let anchor = anchorAddress(h & bucketMask)
            writeEntry(index, tag: HashedPageTable.valid | key, pte: pte)
            memory.storeAligned(entryAddress(index) &+ 16, memory.load64(anchor), width: 8)
            memory.storeAligned(anchor, UInt64(index + 1), width: 8)
            counts.pointee.used += 1
            return index
        }
        for pass in 0..<2 {
            let (first, flag) = group(pass, hash: h)
            for index in first..<(first + HashedPageTable.groupEntries) where tag(index) & HashedPageTable.valid == 0 {
                writeEntry(index, tag: HashedPageTable.valid | flag | key, pte: pte)
                counts.pointee.used += 1
                return index
            }
        }
        // Both groups full: evict a random slot of the primary group to the overflow table.
        let index = Int(h & bucketMask) * HashedPageTable.groupEntries + Int(random.next() % UInt64(HashedPageTable.groupEntries))
        let victim = tag(index)
        overflow[victim & ~(HashedPageTable.valid | HashedPageTable.secondary)] = self.pte(index)
        counts.pointee.evictions += 1
        writeEntry(index, tag: HashedPageTable.valid | key, pte: pte)
        return index
    }

    /// Removes (id, vpn) from the table or the overflow table; returns its PTE, or nil.
    func remove(id: UInt64, vpn: UInt64) -> UInt64? {
        let key = key(id: id, vpn: vpn)
        guard let index = find(id: id, vpn: vpn) else { return overflow.removeValue(forKey: key) }
        let raw = pte(index)
        removeEntry(index, bucket: hash(id: id, vpn: vpn) & bucketMask)
        return raw
    }

    /// Clears entry `index` (inverted: unlinks it from the chain of `bucket` and gives an
    /// alias entry back to the pool).
    func removeEntry(_ index: Int, bucket: UInt64) {
        if kind == .inverted {
            var slot = anchorAddress(bucket)
            var steps = 0
            while memory.load64(slot) != 0, steps <= entryCount {
                let link = Int(memory.load64(slot) - 1)
                if link == index { memory.storeAligned(slot, next(index), width: 8); break }
                slot = entryAddress(link) &+ 16
                steps += 1
            }
            memory.storeAligned(entryAddress(index) &+ 16, 0, width: 8)
            if index >= frameEntries { freeAliases.append(index); counts.pointee.aliasesUsed -= 1 }
        }
        writeEntry(index, tag: 0, pte: 0)
        counts.pointee.used -= 1
    }

    /// Every translation of space `id` as (VPN, entry index or nil for the overflow table, PTE).
    func entries(of id: UInt64) -> [(vpn: UInt64, index: Int?, pte: UInt64)] {
        var found: [(vpn: UInt64, index: Int?, pte: UInt64)] = []
        for index in 0..<entryCount {
            let t = tag(index)
            if t & HashedPageTable.valid != 0, (t >> HashedPageTable.idShift) & UInt64(HashedPageTable.maxSpaceID) == id {
                found.append((t & HashedPageTable.vpnMask, index, pte(index)))
            }
        }
        for (key, raw) in overflow where key >> HashedPageTable.idShift == id {
            found.append((key & HashedPageTable.vpnMask, nil, raw))
        }
        return found.sorted { $0.vpn < $1.vpn }
    }
}

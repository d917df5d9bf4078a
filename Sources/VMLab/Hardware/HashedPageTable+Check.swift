/// The invariant checker of an inverted or hashed table (part of `m:check()`).
extension HashedPageTable {
    /// Every violation found (empty when all is well):
    /// - the table's own frames are allocated page-table frames;
    /// - every valid entry names a live space, maps an allocated frame inside memory and, for an
    ///   inverted frame entry, its PTE names that very frame (an alias entry: a frame that has
    ///   a valid entry of its own or another alias);
    /// - inverted: every chain is well formed (links inside the table, no cycle, each entry in
    ///   the chain of its own hash bucket) and reaches every valid entry exactly once; the alias
    ///   pool's free list and the valid alias entries partition the pool;
    /// - hashed: every entry sits in its primary group (H = 0) or secondary group (H = 1), no
    ///   translation is both in the table and in the overflow table, none twice;
    /// - the count of valid entries is right.
    public func check() -> [String] {
        var problems: [String] = []
        for frame in firstFrame..<(firstFrame + frameCount) {
            if let info = try? memory.info(frame: frame), info.state != .pageTable {
                problems.append("\(kind.rawValue) table: frame \(frame) of the table is \(info.state), not a page-table frame")
            }
        }
        var valid = 0
        var keys = Set<UInt64>()
        for index in 0..<entryCount {
            let t = tag(index)
            guard t & HashedPageTable.valid != 0 else { continue }
            valid += 1
            let name = "\(kind.rawValue) table entry \(index) (\(Units.hex(entryAddress(index))))"
            let key = t & ~(HashedPageTable.valid | HashedPageTable.secondary)
            let id = Int(key >> HashedPageTable.idShift)
            if id >= spaceIDsInUse.count || !spaceIDsInUse[id] { problems.append("\(name) belongs to space \(id), which is not live") }
            if !keys.insert(key).inserted { problems.append("\(name) maps space \(id) VPN \(Units.hex(key & HashedPageTable.vpnMask)) a second time") }
            let raw = pte(index)
            let frame = frameOf(raw)
            if frame >= memory.frameCount {
                problems.append("\(name) maps frame \(frame), beyond memory")
            } else if let info = try? memory.info(frame: frame), info.state == .free {
                problems.append("\(name) maps frame \(frame), which is free")
            }
            if raw & mode.layout.present == 0 { problems.append("\(name) is valid but its PTE is not present") }
            if kind == .inverted {
                if index < frameEntries && frame != UInt64(index) {
                    problems.append("\(name) is frame \(index)'s entry but its PTE names frame \(frame)")
                }
                if index >= frameEntries && freeAliases.contains(index) { problems.append("\(name) is valid and on the free alias list") }
            } else {
                let h = hash(id: UInt64(id), vpn: key & HashedPageTable.vpnMask)
                let group = UInt64(index / HashedPageTable.groupEntries)
                let expected = t & HashedPageTable.secondary != 0 ? ~h & bucketMask : h & bucketMask
                if group != expected {
                    problems.append("\(name) is in group \(group) but its hash puts it in group \(expected)")
                }
            }
        }
        for key in overflow.keys where keys.contains(key) {
            problems.append("hashed table: space \(key >> HashedPageTable.idShift) VPN \(Units.hex(key & HashedPageTable.vpnMask)) is both in a group and in the overflow table")
        }
        if valid != counts.pointee.used { problems.append("\(kind.rawValue) table: \(valid) valid entries, but \(counts.pointee.used) counted") }
        if kind == .inverted { checkChains(valid: valid, &problems) }
        return problems
    }

    /// The chains of the anchor table (see `check`).
    func checkChains(valid: Int, _ problems: inout [String]) {
        var reached = Set<Int>()
        for bucket in 0..<UInt64(bucketCount) {
            var link = memory.load64(anchorAddress(bucket))
            var seen = Set<Int>()
            while link != 0 {
                guard link <= UInt64(entryCount) else {
                    problems.append("inverted table: the chain of bucket \(bucket) links to entry \(link - 1), outside the table")
                    break
                }
                let index = Int(link - 1)
                guard seen.insert(index).inserted else {
                    problems.append("inverted table: the chain of bucket \(bucket) loops at entry \(index)")
                    break
                }
                let t = tag(index)
                if t & HashedPageTable.valid == 0 {
                    problems.append("inverted table: the chain of bucket \(bucket) holds entry \(index), which is not valid")
                } else {
                    let key = t & ~HashedPageTable.valid
                    let home = hash(id: key >> HashedPageTable.idShift, vpn: key & HashedPageTable.vpnMask) & bucketMask
                    if home != bucket { problems.append("inverted table: entry \(index) is on the chain of bucket \(bucket), its hash is \(home)") }
                }
                if !reached.insert(index).inserted { problems.append("inverted table: entry \(index) is on more than one chain") }
                link = next(index)
            }
        }
        if reached.count != valid { problems.append("inverted table: the chains reach \(reached.count) entries, \(valid) are valid") }
        if freeAliases.count + counts.pointee.aliasesUsed != aliasCount {
            problems.append("inverted table: \(freeAliases.count) free + \(counts.pointee.aliasesUsed) used alias entries, the pool has \(aliasCount)")
        }
    }
}

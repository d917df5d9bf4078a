/// The mapping primitives of an address space on a machine with an inverted or hashed table
/// (`PageTable.map`, `unmap`, `protect`, `lookup`, `release` call these).
extension HashedPageTable {
    /// The VPN of `va` (the bits above the page offset, below the mode's VA width).
    @inline(__always)
    func vpn(_ va: UInt64) -> UInt64 { (va >> pageBits) & vpnFieldMask }

    /// The VA of page `vpn` as the space sees it (sign-extended where the mode is).
    func pageVA(_ space: PageTable, vpn: UInt64) -> UInt64 { space.visibleVA(vpn << pageBits) }

    /// Maps one base page of `space` at `va` to `pa`. Huge pages are refused.
    func map(_ space: PageTable, _ va: UInt64, to pa: UInt64, pageBytes: UInt64, flags: MapFlags) throws(VMError) {
        guard space.isLive else { throw .released }
        try space.checkFlags(flags)
        guard pageBytes == mode.pageBytes else {
            throw .unsupportedPageSize(bytes: pageBytes, mode: "\(mode.name) with a\(kind == .inverted ? "n" : "") \(kind.rawValue) page table",
                                       supported: [mode.pageBytes])
        }
        let level = try space.checkMapArguments(va, pa: pa, pageBytes: pageBytes)
        let id = space.spaceID, page = vpn(va)
        if find(id: id, vpn: page) != nil || overflow[key(id: id, vpn: page)] != nil {
            throw .overlap(va: va, existingVA: va, existingPageBytes: pageBytes)
        }
        try insert(id: id, vpn: page, pte: space.leafEntry(pa, level: level, flags: flags))
        space.mappedBytes += pageBytes
    }

    /// Calls `body(vpn, index or nil (overflow), pte)` for every translation of `space` in
    /// `[va, va + length)`: page by page for short ranges, by a scan of the table for long ones
    /// (so that no range makes it loop for long).
    func forEachTranslation(_ space: PageTable, _ va: UInt64, length: UInt64,
                            _ body: (UInt64, Int?, UInt64) throws(VMError) -> Void) throws(VMError) {
        guard space.isLive else { throw .released }
        try space.checkRangeArguments(va, length: length, alignment: mode.pageBytes)
        let id = space.spaceID
        let first = vpn(va), pages = length >> pageBits
        if pages <= UInt64(entryCount) {
            for page in first..<(first + pages) {
                if let index = find(id: id, vpn: page) {
                    try body(page, index, pte(index))
                } else if let raw = overflow[key(id: id, vpn: page)] {
                    try body(page, nil, raw)
                }
            }
        } else {
            for (page, index, raw) in entries(of: id) where page >= first && page - first < pages {
                try body(page, index, raw)
            }
        }
    }

    /// Unmaps every page of `space` in `[va, va + length)`; returns the bytes unmapped.
    func unmap(_ space: PageTable, _ va: UInt64, length: UInt64, freeFrames: Bool) throws(VMError) -> UInt64 {
        var unmapped: UInt64 = 0
        try forEachTranslation(space, va, length: length) { (page, _, _) throws(VMError) in
            guard let raw = remove(id: space.spaceID, vpn: page) else { return }
            unmapped += mode.pageBytes
            space.mappedBytes -= mode.pageBytes
            if freeFrames { try machine.freeFrames(first: frameOf(raw), order: 0) }
        }
        if unmapped > 0 { machine.processorStorage?.mappingsChanged(space, va: va, length: length) }
        return unmapped
    }

    /// Changes the flags of every page of `space` in `[va, va + length)`, keeping A/D bits.
    func protect(_ space: PageTable, _ va: UInt64, length: UInt64, flags: MapFlags) throws(VMError) -> UInt64 {
        try space.checkFlags(flags)
        var changed: UInt64 = 0
        let keepMask = mode.layout.accessed | mode.layout.dirty
        try forEachTranslation(space, va, length: length) { (page, index, raw) throws(VMError) in
            let updated = space.leafEntry(memory.address(frame: frameOf(raw)), level: mode.levels - 1, flags: flags) | (raw & keepMask)
            if let index {
                memory.storeAligned(entryAddress(index) &+ 8, updated, width: pteWidth)
            } else {
                overflow[key(id: space.spaceID, vpn: page)] = updated
            }
            changed += mode.pageBytes
        }
        if changed > 0 { machine.processorStorage?.mappingsChanged(space, va: va, length: length) }
        return changed
    }

    /// The mapping of `va` in `space`, or nil. An entry in the overflow table has `pteAddress` 0.
    func lookup(_ space: PageTable, _ va: UInt64) throws(VMError) -> Mapping? {
        try mode.checkCanonical(va)
        let id = space.spaceID, page = vpn(va)
        let raw: UInt64, address: UInt64
        if let index = find(id: id, vpn: page) {
            raw = pte(index); address = entryAddress(index) &+ 8
        } else if let kept = overflow[key(id: id, vpn: page)] {
            raw = kept; address = 0
        } else {
            return nil
        }
        let pagePA = memory.address(frame: frameOf(raw))
        let offset = va & (mode.pageBytes - 1)
        return Mapping(pageVA: va & ~(mode.pageBytes - 1), pagePA: pagePA, pageBytes: mode.pageBytes, level: mode.levels - 1,
                       pteAddress: address, pte: mode.decode(raw, level: mode.levels - 1), physicalAddress: pagePA | offset)
    }

    /// Removes every translation of `space` and frees its space id.
    func release(_ space: PageTable) {
        for (page, _, _) in entries(of: space.spaceID) { _ = remove(id: space.spaceID, vpn: page) }
        returnSpaceID(space.spaceID)
    }
}

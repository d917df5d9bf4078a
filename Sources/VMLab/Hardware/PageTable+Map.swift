extension PageTable {
    /// Where a descent from the root stopped for some address.
    struct Descent {
        /// Level of the entry where the descent stopped.
        var level: Int
        /// Physical address of that entry.
        var slot: UInt64
        /// The entry.
        var raw: UInt64
        /// Physical address of the table at each level visited, root first.
        var tables: [UInt64]
    }

    /// Follows `va` from the root until an entry that is not present or is a leaf; never allocates.
    func descend(_ va: UInt64) throws(VMError) -> Descent {
        var table = root
        var tables: [UInt64] = []
        for level in 0..<levelCount {
            tables.append(table)
            let slot = table + index(va, level: level) * pteBytes
            let raw = try readEntry(slot)
            if !isPresent(raw) || isLeaf(raw, level: level) {
                return Descent(level: level, slot: slot, raw: raw, tables: tables)
            }
            table = frameAddress(raw)
        }
        // Unreachable: the last level is always a leaf or not present.
        return Descent(level: levelCount - 1, slot: table, raw: 0, tables: tables)
    }

    /// Returns the physical address of the entry for `va` at `level`, allocating missing tables
    /// on the way when `create` is true (nil when a table is missing and `create` is false).
    /// Throws `overlap` when a huge-page leaf already covers `va` above `level`.
    public func walk(_ va: UInt64, level target: Int, create: Bool) throws(VMError) -> UInt64? {
        guard isLive else { throw .released }
        if let hashed { throw .invalidConfiguration(what: "walk", reason: "a\(hashed.kind == .inverted ? "n" : "") \(hashed.kind.rawValue) page table has no levels") }
        try mode.checkCanonical(va)
        guard target >= 0, target < levelCount else {
            throw .invalidMode(reason: "level \(target) is outside 0...\(levelCount - 1)")
        }
        var table = root
        for level in 0..<target {
            let slot = table + index(va, level: level) * pteBytes
            let raw = try readEntry(slot)
            if isPresent(raw) {
                if isLeaf(raw, level: level) {
                    let size = pageBytes(level: level)
                    throw .overlap(va: va, existingVA: va & ~(size - 1), existingPageBytes: size)
                }
                table = frameAddress(raw)
            } else {
                guard create else { return nil }
                let frame = try machine.allocateFrames(order: 0, state: .pageTable, owner: owner,
                                                       tableLevel: level + 1, purpose: "a page table")
                let address = machine.memory.address(frame: frame)
                try writeEntry(slot, tableEntry(address))
                tablePages[level + 1] += 1
                table = address
            }
        }
        return table + index(va, level: target) * pteBytes
    }

    /// Where the descent for `va` stops — the slot, raw value and level of a leaf (huge or not)
    /// or of a not-present entry — as `descend` finds it, without building its list of tables
    /// (and without retains: it reads through `memory`). Nil where `descend` throws. A leaf
    /// table the last walks reached is found without walking (`leafMemo`; debug builds walk
    /// anyway and check that both agree).
    func stopEntry(_ va: UInt64) -> (slot: UInt64, raw: UInt64, level: Int)? {
        if memory.isGuestMemory {   // guest memory: its accesses prepare the backing
            guard let d = try? descend(va) else { return nil }
            return (d.slot, d.raw, d.level)
        }
        let last = levelCount &- 1
        if last > 0 && hashedTable == nil,
           let table = leafMemo.pointee.table(region: va &>> shifts[last &- 1], generation: memory.tableGeneration.pointee) {
            let slot = table &+ index(va, level: last) &* pteBytes
            let raw = isX86Wide ? memory.load64(slot) : memory.loadAligned(slot, width: Int(pteBytes))
            assert(walkToStop(va).map { $0 == (slot, raw, last) } ?? false, "a stale leaf-table memo for \(Units.hex(va))")
            return (slot, raw, last)
        }
        return walkToStop(va)
    }

    /// `stopEntry` by a walk from the root, remembering the leaf table it reaches.
    private func walkToStop(_ va: UInt64) -> (slot: UInt64, raw: UInt64, level: Int)? {
        let memoryBytes = memory.bytes, width = Int(pteBytes)
        let last = levelCount &- 1
        var table = root
        if isX86Wide {   // the same walk with x86's constants (8-byte entries, P = bit 0, PS = bit 7)
            for level in 0..<levelCount {
                let slot = table &+ index(va, level: level) &* 8
                guard slot < memoryBytes, memoryBytes &- slot >= 8 else { return nil }
                let raw = memory.load64(slot)
                if level == last { rememberLeafTable(va, table) }
                if raw & 1 == 0 || level == last || raw & 0x80 != 0 { return (slot, raw, level) }
                table = ((raw &>> 12) & frameFieldMask) &<< 12
            }
            return nil
        }
        for level in 0..<levelCount {
            let slot = table &+ index(va, level: level) &* pteBytes
            guard slot < memoryBytes, memoryBytes &- slot >= pteBytes else { return nil }
            let raw = memory.loadAligned(slot, width: width)
            if level == last { rememberLeafTable(va, table) }
            if !isPresent(raw) || isLeaf(raw, level: level) { return (slot, raw, level) }
            table = frameAddress(raw)
        }
        return nil   // unreachable: the last level is always a leaf or not present
    }

    /// Notes that the leaf table of `va` is at `table` (`stopEntry` reached it).
    @inline(__always)
    private func rememberLeafTable(_ va: UInt64, _ table: UInt64) {
        guard levelCount > 1, hashedTable == nil else { return }
        leafMemo.pointee.remember(region: va &>> shifts[levelCount &- 2], table: table, generation: memory.tableGeneration.pointee)
    }

    /// The slot and raw value of the last-level entry for `va`: `walk(va, level: last, create:
    /// false)` and `readEntry` in one, for the kernel's lookups at every fault, without their
    /// retains (it reads through `memory` as the MMU's walker does). Nil when a table on the way
    /// is missing, a huge page covers `va`, `va` is not canonical, or the space is released or hashed.
    func lastLevelEntry(_ va: UInt64) -> (slot: UInt64, raw: UInt64)? {
        guard isLive, hashedTable == nil, isCanonical(va), let stop = stopEntry(va), stop.level == levelCount - 1 else {
            return nil
        }
        return (stop.slot, stop.raw)
    }

    /// Maps the page of `pageBytes` at `va` to physical address `pa` with `flags`, allocating
    /// table pages as needed. `pageBytes` must be a page size of the mode (4 KiB, 2 MiB, 1 GiB on
    /// x86_64); `va` and `pa` must be aligned to it. Throws on a non-canonical VA, unsupported or
    /// unaligned size, PA beyond memory, or overlap with an existing mapping.
    public func map(_ va: UInt64, to pa: UInt64, pageBytes: UInt64, flags: MapFlags) throws(VMError) {
        if let hashed { return try hashed.map(self, va, to: pa, pageBytes: pageBytes, flags: flags) }
        try checkFlags(flags)
        let level = try checkMapArguments(va, pa: pa, pageBytes: pageBytes)
        guard let slot = try walk(va, level: level, create: true) else { return }
        let existing = try readEntry(slot)
        if isPresent(existing) {
            if isLeaf(existing, level: level) {
                throw .overlap(va: va, existingVA: va, existingPageBytes: pageBytes)
            }
            throw .overlapsTable(va: va, pageBytes: pageBytes)
        }
        try writeEntry(slot, leafEntry(pa, level: level, flags: flags))
        mappedBytes += pageBytes
    }

    /// Maps `length` bytes at `va` to the physically contiguous range at `pa`, in pages of
    /// `pageBytes` (xv6 `mappages`). Nothing is mapped when any page would overlap.
    public func mapRange(_ va: UInt64, to pa: UInt64, length: UInt64, pageBytes: UInt64, flags: MapFlags) throws(VMError) {
        try checkFlags(flags)
        _ = try checkMapArguments(va, pa: pa, pageBytes: pageBytes)
        guard length > 0, length % pageBytes == 0 else {
            throw .invalidLength(what: "mapping", bytes: length, multipleOf: pageBytes)
        }
        try checkRangeArguments(va, length: length, alignment: pageBytes)
        try machine.memory.checkRange(pa, width: length)
        let count = length / pageBytes
        for i in 0..<count where try lookup(va + i * pageBytes) != nil {
            let found = try lookup(va + i * pageBytes)
            throw .overlap(va: va + i * pageBytes, existingVA: found?.pageVA ?? 0, existingPageBytes: found?.pageBytes ?? 0)
        }
        for i in 0..<count { try map(va + i * pageBytes, to: pa + i * pageBytes, pageBytes: pageBytes, flags: flags) }
    }

    /// Validates a single-page map and returns the leaf level for `pageBytes`.
    func checkMapArguments(_ va: UInt64, pa: UInt64, pageBytes: UInt64) throws(VMError) -> Int {
        try mode.checkCanonical(va)
        guard let level = mode.leafLevel(pageBytes: pageBytes) else {
            throw .unsupportedPageSize(bytes: pageBytes, mode: mode.name, supported: mode.supportedPageSizes)
        }
        let what = level < levelCount - 1 ? "huge page" : "page"
        guard va & (pageBytes - 1) == 0 else { throw .unaligned(what: what, address: va, alignment: pageBytes) }
        guard pa & (pageBytes - 1) == 0 else {
            throw .unaligned(what: "physical address of \(what)", address: pa, alignment: pageBytes)
        }
        try machine.memory.checkRange(pa, width: pageBytes)
        guard (pa >> pageBits) <= frameFieldMask else {
            throw .physicalAddressNotEncodable(pa: pa, mode: mode.name, bits: mode.physicalAddressBits)
        }
        return level
    }

    /// Validates flags: a protection key is 0…15, and only x86 IA-32e paging (x86_64, LA57) has them.
    func checkFlags(_ flags: MapFlags) throws(VMError) {
        guard flags.protectionKey != 0 else { return }
        guard layout.protectionKeyShift > 0 else {
            throw .invalidConfiguration(what: "protection key", reason: "\(mode.name) has no protection keys (x86_64 and x86_64_la57 do)")
        }
        guard (1...15).contains(flags.protectionKey) else {
            throw .invalidConfiguration(what: "protection key", reason: "keys are 0…15, got \(flags.protectionKey)")
        }
    }

    /// Validates a range: canonical ends, aligned start, positive length multiple of `alignment`.
    func checkRangeArguments(_ va: UInt64, length: UInt64, alignment: UInt64) throws(VMError) {
        try mode.checkCanonical(va)
        guard va & (alignment - 1) == 0 else { throw .unaligned(what: "range", address: va, alignment: alignment) }
        guard length > 0, length % alignment == 0, length - 1 <= ~va else {
            throw .invalidLength(what: "range", bytes: length, multipleOf: alignment)
        }
        let last = va + (length - 1)
        try mode.checkCanonical(last)
        if mode.canonical == .signExtended && (va ^ last) >> 63 != 0 {
            throw .nonCanonical(va: va | PTELayout.lowMask(mode.vaBits - 1), mode: mode.name, rule: mode.canonicalRuleText)
        }
    }

    /// Calls `body(pageVA, slot, raw, level, tables)` for every leaf in `[va, va + length)`,
    /// skipping holes a whole table entry at a time. Throws `splitsHugePage` when a leaf sticks
    /// out of the range.
    func forEachLeaf(_ va: UInt64, length: UInt64,
                     _ body: (UInt64, UInt64, UInt64, Int, [UInt64]) throws(VMError) -> Void) throws(VMError) {
        try checkRangeArguments(va, length: length, alignment: mode.pageBytes)
        var offset: UInt64 = 0
        while offset < length {
            let here = va + offset
            let d = try descend(here)
            let size = pageBytes(level: d.level)
            let start = here & ~(size - 1)
            let skip = start &+ size &- here          // bytes from here to the end of this entry's span
            if isPresent(d.raw) {
                if start < va || skip > length - offset {
                    throw .splitsHugePage(va: start < va ? va : va &+ length, pageVA: start, pageBytes: size)
                }
                try body(start, d.slot, d.raw, d.level, d.tables)
            }
            if skip == 0 || skip > length - offset { break }   // end of address space or of range
            offset += skip
        }
    }

    /// Unmaps every page in `[va, va + length)` (holes are skipped) and frees table pages that
    /// become empty. Returns the bytes unmapped. When `freeFrames` is true the mapped frames are
    /// returned to the allocator too (use for pages from `mapFresh`). Throws `splitsHugePage` when
    /// the range cuts a huge page.
    @discardableResult
    public func unmap(_ va: UInt64, length: UInt64, freeFrames: Bool = false) throws(VMError) -> UInt64 {
        guard isLive else { throw .released }
        if let hashed { return try hashed.unmap(self, va, length: length, freeFrames: freeFrames) }
        var unmapped: UInt64 = 0
        var candidates: [[(table: UInt64, parentSlot: UInt64)]] = Array(repeating: [], count: levelCount)
        try forEachLeaf(va, length: length) { (pageVA, slot, raw, level, tables) throws(VMError) in
            try writeEntry(slot, 0)
            let size = pageBytes(level: level)
            unmapped += size
            mappedBytes -= size
            if freeFrames {
                try machine.freeFrames(first: frameAddress(raw) >> pageBits, order: try machine.order(bytes: size))
            }
            // Every table on the path may now be empty: remember it with the slot pointing to it.
            for l in stride(from: level, to: 0, by: -1) where candidates[l].last?.table != tables[l] {
                candidates[l].append((tables[l], tables[l - 1] + index(pageVA, level: l - 1) * pteBytes))
            }
        }
        try freeEmptyTables(&candidates)
        if unmapped > 0 { machine.processorStorage?.mappingsChanged(self, va: va, length: length) }
        return unmapped
    }

    /// Frees the candidate tables whose entries are all 0, deepest level first (so a parent
    /// is checked after its children were freed). The root is never freed.
    func freeEmptyTables(_ candidates: inout [[(table: UInt64, parentSlot: UInt64)]]) throws(VMError) {
        for level in stride(from: levelCount - 1, to: 0, by: -1) {
            for (table, parentSlot) in candidates[level] where try isEmptyTable(table, level: level) {
                try writeEntry(parentSlot, 0)
                try machine.freeFrames(first: table >> pageBits, order: 0)
                tablePages[level] -= 1
            }
        }
    }

    /// True when every entry of the table at `table` (of `level`) is 0: a not-present entry
    /// that is not 0 carries something (a swap entry) and keeps its table.
    func isEmptyTable(_ table: UInt64, level: Int) throws(VMError) -> Bool {
        for i in 0..<UInt64(mode.entries(level: level)) where try readEntry(table + i * pteBytes) != 0 {
            return false
        }
        return true
    }

    /// Changes the permissions of every page in `[va, va + length)` to `flags`, keeping the
    /// frame and the Accessed/Dirty bits. Returns the bytes changed. Throws `splitsHugePage`
    /// when the range cuts a huge page.
    @discardableResult
    public func protect(_ va: UInt64, length: UInt64, flags: MapFlags) throws(VMError) -> UInt64 {
        guard isLive else { throw .released }
        if let hashed { return try hashed.protect(self, va, length: length, flags: flags) }
        try checkFlags(flags)
        var changed: UInt64 = 0
        try forEachLeaf(va, length: length) { (_, slot, raw, level, _) throws(VMError) in
            let keep = raw & (layout.accessed | layout.dirty)
            try writeEntry(slot, leafEntry(frameAddress(raw), level: level, flags: flags) | keep)
            changed += pageBytes(level: level)
        }
        if changed > 0 { machine.processorStorage?.mappingsChanged(self, va: va, length: length) }
        return changed
    }

    /// The mapping containing `va`, or nil when it is unmapped. Reads entries without setting
    /// Accessed/Dirty and without counting references (a software lookup, not a hardware walk).
    public func lookup(_ va: UInt64) throws(VMError) -> Mapping? {
        if let hashed { return try hashed.lookup(self, va) }
        try mode.checkCanonical(va)
        let d = try descend(va)
        guard isPresent(d.raw) else { return nil }
        let size = pageBytes(level: d.level)
        let pagePA = frameAddress(d.raw) & ~(size - 1)
        return Mapping(pageVA: va & ~(size - 1), pagePA: pagePA, pageBytes: size, level: d.level,
                       pteAddress: d.slot, pte: mode.decode(d.raw, level: d.level), physicalAddress: pagePA | (va & (size - 1)))
    }

    /// Allocates a zeroed block of `pageBytes` (owned by this space) and maps it at `va`.
    /// Returns its physical address. Throws `outOfMemory` when no such block is free.
    public func mapFresh(_ va: UInt64, pageBytes: UInt64, flags: MapFlags) throws(VMError) -> UInt64 {
        let order = try machine.order(bytes: pageBytes)
        guard mode.leafLevel(pageBytes: pageBytes) != nil else {
            throw .unsupportedPageSize(bytes: pageBytes, mode: mode.name, supported: mode.supportedPageSizes)
        }
        if try lookup(va) != nil { throw .overlap(va: va, existingVA: va, existingPageBytes: pageBytes) }
        let frame = try machine.allocateFrames(order: order, state: .user, owner: owner, purpose: "a \(Units.size(pageBytes)) page")
        let pa = machine.memory.address(frame: frame)
        do {
            try map(va, to: pa, pageBytes: pageBytes, flags: flags)
        } catch {
            try machine.freeFrames(first: frame, order: order)
            throw error
        }
        return pa
    }

    /// Frees every table page of this space, root included (mapped frames are left alone).
    /// The space is unusable afterwards (`isLive` is false).
    public func release() throws(VMError) {
        guard isLive else { return }
        if let hashed {
            machine.processorStorage?.released(self)
            hashed.release(self)
            mappedBytes = 0
            isLive = false
            return
        }
        func free(_ table: UInt64, _ level: Int) throws(VMError) {
            if level < levelCount - 1 {
                for i in 0..<UInt64(mode.entries(level: level)) {
                    let raw = try readEntry(table + i * pteBytes)
                    if isPresent(raw) && !isLeaf(raw, level: level) { try free(frameAddress(raw), level + 1) }
                }
            }
            try machine.freeFrames(first: table >> pageBits, order: 0)
            tablePages[level] -= 1
        }
        machine.processorStorage?.released(self)
        try free(root, 0)
        if let userRoot {
            try machine.freeFrames(first: userRoot >> pageBits, order: 0)
            tablePages[0] -= 1
            self.userRoot = nil
        }
        mappedBytes = 0
        isLive = false
    }
}

import Testing
@testable import VMLab

/// Inverted and hashed page tables (issue 11, item 1): lookups against a dictionary model,
/// table size against RAM (and radix tables), sharing, overflow, the MMU on a miss, refusals.
@Suite struct HashedPageTableTests {
    static let pageBytes: UInt64 = 4096
    static let user = MapFlags(writable: true, user: true)

    static func machine(_ kind: PageTableKind, memory: UInt64 = 4 << 20, seed: UInt64 = 1, buckets: Int? = nil,
                        groups: Int? = nil, aliases: Int? = nil) throws -> Machine {
        let m = try Machine(memoryBytes: memory, mode: .x86_64, seed: seed)
        try m.useHashedPageTable(HashedPageTableConfiguration(kind: kind, buckets: buckets, groups: groups, aliases: aliases))
        return m
    }

    /// Random map/unmap/protect in three spaces of a table small enough to collide (inverted:
    /// 4 buckets, aliases for every possible sharing (refusals are tested below); hashed: 4
    /// groups, so full groups evict to the overflow table): after every
    /// step, every model entry is found with its frame and rights, absent pages are absent, the
    /// MMU translates what lookup finds, and check() finds nothing wrong.
    @Test(arguments: [PageTableKind.inverted, .hashed])
    func lookupFindsEveryMapping(kind: PageTableKind) throws {
        let m = try Self.machine(kind, buckets: kind == .inverted ? 4 : nil, groups: kind == .hashed ? 4 : nil, aliases: kind == .inverted ? 160 : nil)
        let table = try #require(m.hashedPageTable)
        let spaces = try (0..<3).map { _ in try m.makePageTable() }
        var model: [Int: [UInt64: (pa: UInt64, writable: Bool)]] = [0: [:], 1: [:], 2: [:]]
        var random = SeededGenerator(seed: 7)
        var frames: [UInt64] = []
        for _ in 0..<24 { frames.append(m.memory.address(frame: try m.allocateFrames(order: 0, state: .user, purpose: "test"))) }
        for step in 0..<1500 {
            let s = Int(random.next() % 3)
            let va = 0x40_0000 + (random.next() % 48) * Self.pageBytes
            let space = spaces[s]
            switch random.next() % 4 {
            case 0, 1:
                let pa = frames[Int(random.next() % UInt64(frames.count))]
                let writable = random.next() % 2 == 0
                let existing = model[s]![va] != nil
                let mapped = (try? space.map(va, to: pa, pageBytes: Self.pageBytes, flags: MapFlags(writable: writable, user: true))) != nil
                #expect(mapped != existing, "step \(step): map over an existing page succeeded, or failed on a free one")
                if mapped { model[s]![va] = (pa, writable) }
            case 2:
                let bytes = try space.unmap(va, length: Self.pageBytes)
                #expect(bytes == (model[s]![va] == nil ? 0 : Self.pageBytes))
                model[s]![va] = nil
            default:
                let writable = random.next() % 2 == 0
                let bytes = try space.protect(va, length: Self.pageBytes, flags: MapFlags(writable: writable, user: true))
                #expect(bytes == (model[s]![va] == nil ? 0 : Self.pageBytes))
                if let old = model[s]![va] { model[s]![va] = (old.pa, writable) }
            }
            if step % 50 == 0 || step > 1450 {
                for (i, space) in spaces.enumerated() {
                    for page in 0..<48 {
                        let va = 0x40_0000 + UInt64(page) * Self.pageBytes
                        let found = try space.lookup(va + 8)
                        #expect(found?.physicalAddress == model[i]![va].map { $0.pa + 8 }, "step \(step) space \(i) va \(Units.hex(va))")
                        let t = space.translate(va, access: .write, privilege: .user)
                        if let entry = model[i]![va] {
                            #expect(entry.writable ? t.physicalAddress == entry.pa : t.fault?.reason == .writeProtected)
                        } else {
                            #expect(t.fault?.reason == .notPresent)
                        }
                    }
                    #expect(space.mappedBytes == UInt64(model[i]!.count) * Self.pageBytes)
                }
                #expect(table.check() == [], "step \(step)")
            }
        }
        if kind == .hashed { #expect(table.stats.evictions > 0 && table.stats.overflowReloads > 0, "4 groups for up to 144 pages must overflow") }
        if kind == .inverted { #expect(table.stats.aliasesUsed > 0, "24 frames shared by three spaces need aliases") }
        #expect(table.stats.collisions > 0)
    }

    /// The table takes frames × entry size (+ anchors) whatever the VA use: a sparse space (one
    /// page in each of 64 GiB-apart regions) costs nothing more than a dense one, whereas radix
    /// tables grow with the spread (4 table pages for dense, 1 + 1 + 64 × 2 for sparse).
    @Test func tableSizeIsProportionalToRAM() throws {
        let frames: UInt64 = (64 << 20) / Self.pageBytes
        func sizes(_ kind: PageTableKind) throws -> (dense: UInt64, sparse: UInt64, freeFrames: UInt64) {
            let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
            if kind != .radix { try m.useHashedPageTable(HashedPageTableConfiguration(kind: kind)) }
            let free = m.frames.freeFrames
            let dense = try m.makePageTable(), sparse = try m.makePageTable()
            for i in 0..<UInt64(64) {
                _ = try dense.mapFresh(0x40_0000 + i * Self.pageBytes, pageBytes: Self.pageBytes, flags: Self.user)
                _ = try sparse.mapFresh(0x40_0000 + i << 30, pageBytes: Self.pageBytes, flags: Self.user)
            }
            return (dense.tableBytes, sparse.tableBytes, free)
        }
        let inverted = try sizes(.inverted), hashed = try sizes(.hashed), radix = try sizes(.radix)
        let invertedBytes = (frames + frames / 64) * 24 + frames * 8      // entries + aliases, anchors
        #expect(inverted.dense == invertedBytes && inverted.sparse == invertedBytes)
        #expect(hashed.dense == frames / 4 * 8 * 16 && hashed.sparse == hashed.dense)
        #expect(radix.dense == 4 * Self.pageBytes)
        #expect(radix.sparse == (1 + 1 + 64 * 2) * Self.pageBytes)
        // The table's frames are taken at boot: RAM minus the table is what is left.
        #expect(inverted.freeFrames == frames - (invertedBytes + Self.pageBytes - 1) / Self.pageBytes)
        #expect(radix.freeFrames == frames)
    }

    /// Inverted: a frame has one entry, so its second mapping takes an alias entry (24 bytes from
    /// a fixed pool, one more entry on a chain); with the pool empty the mapping is refused and
    /// counted. Hashed: a shared page is simply a second entry.
    @Test func sharedPageNeedsAnAlias() throws {
        let m = try Self.machine(.inverted, aliases: 1)
        let table = try #require(m.hashedPageTable)
        let a = try m.makePageTable(), b = try m.makePageTable(), c = try m.makePageTable()
        let pa = try a.mapFresh(0x40_0000, pageBytes: Self.pageBytes, flags: Self.user)
        #expect(table.stats.aliasesUsed == 0)
        try b.map(0x80_0000, to: pa, pageBytes: Self.pageBytes, flags: Self.user)
        #expect(table.stats.aliasesUsed == 1)
        #expect(try b.lookup(0x80_0000)?.pagePA == pa)
        #expect(try b.lookup(0x80_0000)?.pteAddress ?? 0 >= table.base + UInt64(m.memory.frameCount) * 24, "b's entry is an alias")
        #expect(throws: VMError.self) { try c.map(0x40_0000, to: pa, pageBytes: Self.pageBytes, flags: Self.user) }
        #expect(table.stats.aliasRefusals == 1)
        // Unmapping the frame's own entry leaves the alias working; the frame entry is free again.
        try a.unmap(0x40_0000, length: Self.pageBytes)
        #expect(b.translate(0x80_0000, access: .read).physicalAddress == pa)
        try c.map(0x40_0000, to: pa, pageBytes: Self.pageBytes, flags: Self.user)
        #expect(table.stats.aliasesUsed == 1)
        #expect(table.check() == [])

        let h = try Self.machine(.hashed)
        let x = try h.makePageTable(), y = try h.makePageTable()
        let shared = try x.mapFresh(0x40_0000, pageBytes: Self.pageBytes, flags: Self.user)
        try y.map(0x40_0000, to: shared, pageBytes: Self.pageBytes, flags: Self.user)
        #expect(h.hashedPageTable?.stats.used == 2)
    }

    /// Known answers on one chain: with 1 bucket, pages chain newest first, so the first page
    /// mapped is found after the anchor and the two newer entries (4 references, 2 collisions).
    @Test func invertedSearchOnOneChain() throws {
        let m = try Self.machine(.inverted, buckets: 1)
        let s = try m.makePageTable()
        var pas: [UInt64] = []
        for i in 0..<UInt64(3) { pas.append(try s.mapFresh(0x1000 * (i + 1), pageBytes: Self.pageBytes, flags: Self.user)) }
        let walk = s.walk(0x1234, access: .write)
        let search = try #require(walk.search)
        #expect(walk.result.physicalAddress == pas[0] + 0x234)
        #expect(walk.result.references == 4)
        #expect(search.probes.map(\.what) == ["anchor", "entry", "entry", "entry"])
        #expect(search.collisions == 2 && search.chainLength == 3)
        #expect(search.probes[1].index == Int(pas[2] / Self.pageBytes), "the newest entry is the head: it is frame pas[2]'s")
        #expect(search.probes[3].matched && search.probes[3].updated & m.mode.layout.dirty != 0)
        #expect(search.probes[0].address == m.hashedPageTable!.anchorBase)
    }

    /// Hashed with one group: 8 entries fit, a 9th evicts one (seeded) to the overflow table;
    /// all 9 stay reachable (lookup knows the overflow table, the MMU reloads on a miss).
    @Test func fullGroupsEvictToTheOverflowTable() throws {
        let m = try Self.machine(.hashed, groups: 1)
        let table = try #require(m.hashedPageTable)
        let s = try m.makePageTable()
        var pas: [UInt64] = []
        for i in 0..<UInt64(9) { pas.append(try s.mapFresh(0x1000 * (i + 1), pageBytes: Self.pageBytes, flags: Self.user)) }
        #expect(table.stats.evictions == 1 && table.overflow.count == 1 && table.stats.used == 8)
        for i in 0..<9 { #expect(try s.lookup(0x1000 * UInt64(i + 1))?.pagePA == pas[i]) }
        var reloaded = 0
        for i in 0..<9 {
            let walk = s.walk(0x1000 * UInt64(i + 1), access: .read)
            #expect(walk.result.physicalAddress == pas[i])
            if walk.search?.reloaded == true { reloaded += 1 }
        }
        #expect(reloaded >= 1 && table.stats.overflowReloads == reloaded)
        #expect(table.check() == [])
        // The same seed evicts the same entries; the victim is one of the first eight.
        func victims(seed: UInt64) throws -> [UInt64] {
            let again = try Self.machine(.hashed, seed: seed, groups: 1)
            let s2 = try again.makePageTable()
            for i in 0..<UInt64(40) { _ = try s2.mapFresh(0x1000 * (i + 1), pageBytes: Self.pageBytes, flags: Self.user) }
            return again.hashedPageTable!.overflow.keys.sorted()
        }
        #expect(try victims(seed: 5) == victims(seed: 5))
        #expect(try victims(seed: 5) != victims(seed: 6))
    }

    /// The MMU: a TLB miss searches the table (references = entries read, no page-walk cache), the
    /// next access hits the TLB, an unmap shoots the entry down; the software TLB's built-in refill
    /// handler searches it too.
    @Test(arguments: [PageTableKind.inverted, .hashed], [false, true])
    func cpuTranslatesThroughTheTable(kind: PageTableKind, software: Bool) throws {
        let m = try Self.machine(kind)
        if software {
            var configuration = ProcessorConfiguration()
            configuration.softwareTLB = true
            configuration.pageWalkCache = nil
            try m.configureProcessors(configuration)
        }
        let s = try m.makePageTable()
        let pa = try s.mapFresh(0x40_0000, pageBytes: Self.pageBytes, flags: Self.user)
        let cpu = try m.cpu(0)
        try cpu.switchTo(s)
        let first = try cpu.access(0x40_0010, .write)
        #expect(first.physicalAddress == pa + 0x10 && first.tlbLevel == 0)
        #expect(first.references == (kind == .inverted ? 2 : 1))
        #expect(first.pageWalkCacheLevel < 0)
        let second = try cpu.access(0x40_0020, .read)
        #expect(second.tlbLevel > 0 && second.references == 0)
        try s.unmap(0x40_0000, length: Self.pageBytes)
        #expect(try cpu.access(0x40_0020, .read).fault?.reason == .notPresent)
        #expect(m.processors.checkTranslations() == [])
        let summary = try cpu.run((0..<100).map { Access(.read, address: 0x40_0000 + UInt64($0 % 2) * 0x1000) })
        #expect(summary.faults == 100)
    }

    /// What an inverted or hashed machine refuses, with a reason: processes (the kernel keeps
    /// swap entries in PTEs), huge pages, KPTI, adopting a hand-built root, a textbook mode, and
    /// a table set up after frames were allocated.
    @Test func refusals() throws {
        let m = try Self.machine(.inverted)
        #expect(throws: VMError.self) { _ = try m.kernel }
        let s = try m.makePageTable()
        #expect(throws: VMError.self) { try s.map(0x20_0000, to: 0x20_0000, pageBytes: 2 << 20, flags: Self.user) }
        #expect(throws: VMError.self) { try s.enableKPTI() }
        #expect(throws: VMError.self) { _ = try m.makePageTable(root: 0x1000) }
        #expect(throws: VMError.self) { try s.walk(0x1000, level: 3, create: true) }
        #expect(throws: VMError.self) { try m.useHashedPageTable(HashedPageTableConfiguration(kind: .hashed)) }
        let textbook = try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)
        let small = try Machine(memoryBytes: 1 << 12, mode: textbook)
        #expect(throws: VMError.self) { try small.useHashedPageTable(HashedPageTableConfiguration(kind: .inverted)) }
        let plain = try Machine(memoryBytes: 4 << 20)
        _ = try plain.makePageTable()
        #expect(throws: VMError.self) { try plain.useHashedPageTable(HashedPageTableConfiguration(kind: .hashed)) }
        let tiny = try Machine(memoryBytes: 4 << 20)
        #expect(throws: VMError.self) { try tiny.useHashedPageTable(HashedPageTableConfiguration(kind: .hashed, groups: 3)) }
        #expect(throws: VMError.self) { try tiny.useHashedPageTable(HashedPageTableConfiguration(kind: .hashed, groups: 1 << 30)) }
        #expect(throws: VMError.self) { try tiny.useHashedPageTable(HashedPageTableConfiguration(kind: .inverted, groups: 4)) }
    }

    /// A released space leaves no entry behind and gives its id back; check() catches a
    /// corrupted chain (a cycle written by hand) and the MMU search ends instead of looping.
    @Test func releaseAndCorruption() throws {
        let m = try Self.machine(.inverted, buckets: 1)
        let table = try #require(m.hashedPageTable)
        let a = try m.makePageTable()
        for i in 0..<UInt64(5) { _ = try a.mapFresh(0x1000 * (i + 1), pageBytes: Self.pageBytes, flags: Self.user) }
        try a.release()
        #expect(table.stats.used == 0 && table.check() == [])
        let b = try m.makePageTable()
        #expect(b.spaceID == a.spaceID)
        let pa = try b.mapFresh(0x1000, pageBytes: Self.pageBytes, flags: Self.user)
        _ = try b.mapFresh(0x2000, pageBytes: Self.pageBytes, flags: Self.user)
        let frame = Int(pa / Self.pageBytes)
        // The chain is anchor → 0x2000's entry → 0x1000's entry: point the last back at the head.
        try m.memory.write(table.entryAddress(frame) + 16, try m.memory.read(table.anchorAddress(0)))
        #expect(table.check().contains { $0.contains("loops") })
        #expect(b.translate(0x9000).fault?.reason == .notPresent)
    }
}

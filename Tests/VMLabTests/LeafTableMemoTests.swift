import Testing
@testable import VMLab

/// `PageTable.stopEntry` finds the leaf tables of its last walks without walking
/// (`LeafTableMemo`): whatever moves a table, the next lookup sees the tables as they are.
/// (Debug builds, where the tests run, also walk at every remembered lookup and check both agree.)
@Suite struct LeafTableMemoTests {
    let rw = MapFlags(writable: true, user: true)
    static let first: UInt64 = 0x40_0000    // two pages in two 2 MiB regions: two leaf tables
    static let second: UInt64 = 0x80_0000

    /// A space with a page at `first` and one at `second`, both leaf tables remembered.
    func rememberedSpace(_ mode: PagingMode) throws -> (Machine, PageTable) {
        let m = try Machine(memoryBytes: 64 << 20, mode: mode)
        let space = try m.makePageTable()
        try space.map(Self.first, to: 0x10_0000, pageBytes: 4096, flags: rw)
        try space.map(Self.second, to: 0x20_0000, pageBytes: 4096, flags: rw)
        _ = space.stopEntry(Self.first)
        _ = space.stopEntry(Self.second)
        return (m, space)
    }

    /// `stopEntry(va)` as a plain descent from the root finds it.
    func expectFresh(_ space: PageTable, _ va: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let descent = try space.descend(va)
        let stop = try #require(space.stopEntry(va), sourceLocation: sourceLocation)
        #expect(stop.slot == descent.slot && stop.raw == descent.raw && stop.level == descent.level,
                sourceLocation: sourceLocation)
    }

    /// The slot of the upper-level entry that points to `va`'s leaf table.
    func parentSlot(_ space: PageTable, _ va: UInt64) throws -> UInt64 {
        let descent = try space.descend(va)
        let upper = space.levelCount - 2
        return descent.tables[upper] + space.index(va, level: upper) * space.pteBytes
    }

    /// A fresh table frame whose entry for `va` maps physical `pa`.
    func handBuiltLeafTable(_ m: Machine, _ space: PageTable, _ va: UInt64, pa: UInt64) throws -> UInt64 {
        let table = m.memory.address(frame: try m.allocateFrames(order: 0, state: .pageTable, owner: space.owner,
                                                                 tableLevel: space.levelCount - 1, purpose: "test"))
        let slot = table + space.index(va, level: space.levelCount - 1) * space.pteBytes
        try m.memory.write(slot, space.leafEntry(pa, level: space.levelCount - 1, flags: rw), width: Int(space.pteBytes))
        return table
    }

    @Test(arguments: [PagingMode.x86_64, .sv39, .x86_32])
    func aLeafEntryWrittenInARememberedTableIsSeen(mode: PagingMode) throws {
        let (_, space) = try rememberedSpace(mode)
        try space.map(Self.first + 4096, to: 0x30_0000, pageBytes: 4096, flags: rw)
        try expectFresh(space, Self.first + 4096)
        #expect(try space.lookup(Self.first + 4096)?.physicalAddress == 0x30_0000)
        _ = try space.unmap(Self.first + 4096, length: 4096)
        try expectFresh(space, Self.first + 4096)
    }

    @Test(arguments: [PagingMode.x86_64, .sv39, .x86_32])
    func anUpperEntryRedirectedByAPhysicalWriteIsSeen(mode: PagingMode) throws {
        let (m, space) = try rememberedSpace(mode)
        let table = try handBuiltLeafTable(m, space, Self.first, pa: 0x50_0000)
        try m.memory.write(try parentSlot(space, Self.first), space.tableEntry(table), width: Int(space.pteBytes))
        try expectFresh(space, Self.first)
        let slot = try #require(space.stopEntry(Self.first)).slot
        #expect(slot - space.index(Self.first, level: space.levelCount - 1) * space.pteBytes == table)
        try expectFresh(space, Self.second)
    }

    @Test(arguments: [PagingMode.x86_64, .sv39, .x86_32])
    func anUpperEntryRedirectedThroughThePageTableIsSeen(mode: PagingMode) throws {
        let (m, space) = try rememberedSpace(mode)
        let table = try handBuiltLeafTable(m, space, Self.second, pa: 0x60_0000)
        try space.writeEntry(try parentSlot(space, Self.second), space.tableEntry(table))
        try expectFresh(space, Self.second)
        #expect(space.stopEntry(Self.second)!.slot - space.index(Self.second, level: space.levelCount - 1) * space.pteBytes == table)
    }

    @Test(arguments: [PagingMode.x86_64, .sv39, .x86_32])
    func aFreedLeafTableIsNotUsed(mode: PagingMode) throws {
        let (_, space) = try rememberedSpace(mode)
        _ = try space.unmap(Self.second, length: 4096)   // the table held only that page: freed
        try expectFresh(space, Self.second)
        #expect(space.stopEntry(Self.second)!.level < space.levelCount - 1)
        try space.map(Self.second, to: 0x70_0000, pageBytes: 4096, flags: rw)   // a new table
        try expectFresh(space, Self.second)
    }

    @Test func aZeroedOrCopiedOrRestoredTableIsSeen() throws {
        let (m, space) = try rememberedSpace(.x86_64)
        let image = m.memory.capture()
        let parent = try parentSlot(space, Self.first)
        try m.memory.zero(parent & ~4095, length: 4096)   // the whole upper table: both regions unmapped
        try expectFresh(space, Self.first)
        try expectFresh(space, Self.second)
        #expect(space.stopEntry(Self.first)!.raw == 0)
        try m.memory.restore(image)
        try expectFresh(space, Self.first)
        #expect(try space.lookup(Self.first)?.physicalAddress == 0x10_0000)
        let table = try handBuiltLeafTable(m, space, Self.first, pa: 0x90_0000)
        let entry = space.tableEntry(table)
        let source = m.memory.address(frame: 3000)
        try m.memory.write(source, entry)
        try m.memory.copy(from: source, to: parent, length: 8)
        try expectFresh(space, Self.first)
        #expect(try space.lookup(Self.first)?.physicalAddress == 0x90_0000)
    }
}

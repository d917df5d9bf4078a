import Testing
@testable import VMLab

@Suite struct HardwarePageTableTests {
    let rw = MapFlags(writable: true, user: true)

    func machine(_ mode: PagingMode = .x86_64, bytes: UInt64 = 64 << 20) throws -> Machine {
        try Machine(memoryBytes: bytes, mode: mode)
    }

    @Test func oneSmallPageNeedsThreeTablesBelowTheRoot() throws {
        let m = try machine()
        let space = try m.makePageTable()
        #expect(space.tablePages == [1, 0, 0, 0])
        try space.map(0x7ffd_1234_5000, to: 0x20_0000, pageBytes: 4096, flags: rw)
        #expect(space.tablePages == [1, 1, 1, 1])
        #expect(space.tableBytes == 4 * 4096)
        #expect(space.mappedBytes == 4096)
        #expect(m.frames.freeFrames == m.memory.frameCount - 4)
    }

    @Test func aWholeAlignedTwoMegabyteRegionNeedsNoMoreTables() throws {
        let m = try machine()
        let space = try m.makePageTable()
        try space.mapRange(0x4000_0000, to: 0x100_0000, length: 512 * 4096, pageBytes: 4096, flags: rw)
        #expect(space.tablePages == [1, 1, 1, 1])
        #expect(space.mappedBytes == 2 << 20)
        // One more page past the 2 MiB region needs a second PT.
        try space.map(0x4020_0000, to: 0x300_0000, pageBytes: 4096, flags: rw)
        #expect(space.tablePages == [1, 1, 1, 2])
    }

    @Test func hugePagesStopEarly() throws {
        let m = try machine(bytes: 2 << 30)
        let two = try m.makePageTable()
        try two.map(0x20_0000, to: 0x40_0000, pageBytes: 2 << 20, flags: rw)
        #expect(two.tablePages == [1, 1, 1, 0])
        let one = try m.makePageTable()
        try one.map(0x4000_0000, to: 0x4000_0000, pageBytes: 1 << 30, flags: rw)
        #expect(one.tablePages == [1, 1, 0, 0])
        let found = try #require(try one.lookup(0x4123_4567))
        #expect(found.pageBytes == 1 << 30)
        #expect(found.physicalAddress == 0x4123_4567)
        #expect(found.level == 1)
        #expect(found.pte.huge)
    }

    @Test func sv39UsesThreeLevelsAndMegapages() throws {
        let m = try machine(.sv39)
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: rw)
        #expect(space.tablePages == [1, 1, 1])
        let mega = try m.makePageTable()
        try mega.map(0x20_0000, to: 0x60_0000, pageBytes: 2 << 20, flags: rw)
        #expect(mega.tablePages == [1, 1, 0])
        let walk = mega.walk(0x21_2345, access: .read, privilege: .user)
        #expect(walk.result.fault == nil)
        #expect(walk.steps.count == 2)
        #expect(walk.steps[1].isLeaf)
        #expect(walk.steps[1].pte.readable)
        #expect(walk.steps[0].raw & 0b1110 == 0)           // pointer: R = W = X = 0
        #expect(walk.result.physicalAddress == 0x61_2345)
        #expect(walk.result.pageBytes == 2 << 20)
    }

    @Test func unmapFreesEmptyTables() throws {
        let m = try machine()
        let space = try m.makePageTable()
        let freeBefore = m.frames.freeFrames
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: rw)
        try space.map(0x2000, to: 0x6000, pageBytes: 4096, flags: rw)
        #expect(try space.unmap(0x1000, length: 4096) == 4096)
        #expect(space.tablePages == [1, 1, 1, 1])        // PT still holds 0x2000
        #expect(try space.unmap(0x0, length: 1 << 30) == 4096)
        #expect(space.tablePages == [1, 0, 0, 0])
        #expect(m.frames.freeFrames == freeBefore)
        #expect(space.mappedBytes == 0)
        #expect(try space.lookup(0x2000) == nil)
        #expect(try m.memory.read(space.root) == 0)       // the PML4 entry was cleared
    }

    @Test func mapFreshAndUnmapReturnFrames() throws {
        let m = try machine()
        let space = try m.makePageTable()
        let free = m.frames.freeFrames
        let pa = try space.mapFresh(0x20_0000, pageBytes: 2 << 20, flags: rw)
        #expect(pa % (2 << 20) == 0)
        #expect(m.frames.freeFrames == free - 512 - 2)
        #expect(try m.memory.info(frame: pa >> 12).state == .user)
        try space.unmap(0x20_0000, length: 2 << 20, freeFrames: true)
        #expect(m.frames.freeFrames == free)
    }

    @Test func protectChangesPermissions() throws {
        let m = try machine()
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: rw)
        #expect(space.translate(0x1008, access: .write).fault == nil)
        #expect(try space.protect(0x1000, length: 4096, flags: MapFlags(user: true)) == 4096)
        let after = space.translate(0x1008, access: .write)
        #expect(after.fault?.reason == .writeProtected)
        #expect(try space.lookup(0x1000)?.pte.dirty == true)   // D survives protect
    }

    @Test func badMapsAreErrors() throws {
        let m = try machine()
        let space = try m.makePageTable()
        do {
            try space.map(0x20_1000, to: 0x40_0000, pageBytes: 2 << 20, flags: rw)
            Issue.record("unaligned huge map succeeded")
        } catch {
            #expect(error.description == "huge page at 0x201000 is not aligned to 2 MiB")
        }
        do {
            try space.map(0x1000, to: 0x400_0000, pageBytes: 4096, flags: rw)
            Issue.record("map beyond memory succeeded")
        } catch {
            #expect(error.description == "physical address 0x4000000 is beyond memory (64 MiB)")
        }
        #expect(throws: VMError.nonCanonical(va: 0x8000_0000_0000, mode: "x86_64", rule: "bits 63..47 must all equal bit 47")) {
            try space.map(0x8000_0000_0000, to: 0, pageBytes: 4096, flags: rw)
        }
        #expect(throws: VMError.unsupportedPageSize(bytes: 8192, mode: "x86_64", supported: [4096, 2 << 20, 1 << 30])) {
            try space.map(0, to: 0, pageBytes: 8192, flags: rw)
        }
        try space.map(0x20_0000, to: 0x40_0000, pageBytes: 2 << 20, flags: rw)
        #expect(throws: VMError.overlap(va: 0x20_3000, existingVA: 0x20_0000, existingPageBytes: 2 << 20)) {
            try space.map(0x20_3000, to: 0x1000, pageBytes: 4096, flags: rw)
        }
        try space.map(0x60_0000, to: 0x1000, pageBytes: 4096, flags: rw)
        #expect(throws: VMError.overlapsTable(va: 0x60_0000, pageBytes: 2 << 20)) {
            try space.map(0x60_0000, to: 0x80_0000, pageBytes: 2 << 20, flags: rw)
        }
        #expect(throws: VMError.splitsHugePage(va: 0x20_1000, pageVA: 0x20_0000, pageBytes: 2 << 20)) {
            try space.unmap(0x20_1000, length: 4096)
        }
        #expect(try space.lookup(0x20_0000) != nil)
        #expect(throws: VMError.self) { try Machine(memoryBytes: (64 << 20) + 100) }
    }

    @Test func runningOutOfFramesIsACatchableError() throws {
        let m = try machine(bytes: 4 * 4096)    // root + 3 tables fill it
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0, pageBytes: 4096, flags: rw)
        do {
            try space.map(0x40_0000_0000, to: 0, pageBytes: 4096, flags: rw)
            Issue.record("map without free frames succeeded")
        } catch {
            #expect(error.description == "out of physical memory: no free 4 KiB block for a page table")
        }
        #expect(throws: VMError.self) { try m.makePageTable() }
    }

    @Test func x86_32AndPAEMap() throws {
        let m32 = try machine(.x86_32)
        let s32 = try m32.makePageTable()
        try s32.map(0xc040_0000, to: 0x80_0000, pageBytes: 4 << 20, flags: rw)
        #expect(s32.tablePages == [1, 0])
        let t = s32.translate(0xc041_2345)
        #expect(t.physicalAddress == 0x81_2345)
        #expect(try m32.memory.read(s32.root + 0x301 * 4, width: 4) & 0x80 != 0)   // PS in PDE 0x301
        let pae = try machine(.x86_pae)
        let sp = try pae.makePageTable()
        try sp.map(0xbfff_f000, to: 0x3000, pageBytes: 4096, flags: rw)
        let w = sp.walk(0xbfff_f123)
        #expect(w.steps.map(\.index) == [2, 0x1ff, 0x1ff])
        #expect(w.result.physicalAddress == 0x3123)
    }
}

@Suite struct HardwareDumpTests {
    @Test func dumpShowsTheTreeAndHugePages() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: true, user: true, executable: true))
        try space.map(0xffff_8000_0020_0000, to: 0x20_0000, pageBytes: 2 << 20, flags: MapFlags(writable: true))
        let text = space.dump()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "PML4 @ \(Units.hex(space.root))")
        #expect(lines.contains { $0.hasPrefix("  [0x000] ") && $0.contains("-> PDPT @ ") })
        #expect(lines.contains { $0.hasPrefix("        [0x001] 0x0000000000005007 P W U : 4 KiB page 0x1000 -> 0x5000") })
        #expect(lines.contains { $0.contains("P W PS NX : 2 MiB huge page 0xffff800000200000 -> 0x200000") })
        #expect(lines.count == 8)
        #expect(space.dump(limit: 2).hasSuffix("… 5 more entries"))
    }
}

@Suite struct HardwareRangeTests {
    @Test func rangesMayNotCrossTheCanonicalHole() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try space.map(0xffff_8000_0000_0000, to: 0x1000, pageBytes: 4096, flags: MapFlags())
        #expect(throws: VMError.self) { try space.unmap(0x7fff_ffff_f000, length: 0xffff_0000_0000_2000) }
        #expect(try space.lookup(0xffff_8000_0000_0000) != nil)
        // Unmapping the whole low half leaves the high half alone.
        #expect(try space.unmap(0, length: 1 << 47) == 0)
        #expect(try space.unmap(0xffff_8000_0000_0000, length: 1 << 47) == 4096)
    }

    @Test func releaseFreesEveryTable() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let free = m.frames.freeFrames
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x1000, pageBytes: 4096, flags: MapFlags())
        try space.map(0x7f00_0000_0000, to: 0x1000, pageBytes: 4096, flags: MapFlags())
        #expect(space.tablePages == [1, 2, 2, 2])
        try space.release()
        #expect(m.frames.freeFrames == free)
        #expect(throws: VMError.released) { try space.map(0x1000, to: 0, pageBytes: 4096, flags: MapFlags()) }
    }
}

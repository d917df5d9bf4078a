import Testing
@testable import VMLab

@Suite struct HardwareWalkerTests {
    /// Builds PML4 → PDPT → PD → PT by hand with raw entries, then walks 0x7ffd12345678.
    @Test func walksAHandBuiltTable() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let root: UInt64 = 0x10_0000, pdpt: UInt64 = 0x11_0000, pd: UInt64 = 0x12_0000, pt: UInt64 = 0x13_0000
        let page: UInt64 = 0x2a_b000
        let present: UInt64 = 0x7      // P | R/W | U/S
        try m.memory.write(root + 0x0ff * 8, pdpt | present)
        try m.memory.write(pdpt + 0x1f4 * 8, pd | present)
        try m.memory.write(pd + 0x091 * 8, pt | present)
        try m.memory.write(pt + 0x145 * 8, page | present)
        let space = try m.makePageTable(root: root)
        let walk = space.walk(0x7ffd_1234_5678, access: .read, privilege: .user)
        #expect(walk.result.fault == nil)
        #expect(walk.result.physicalAddress == 0x2a_b678)
        #expect(walk.result.references == 4)
        #expect(walk.steps.map(\.levelName) == ["PML4", "PDPT", "PD", "PT"])
        #expect(walk.steps.map(\.pteAddress) == [root + 0x0ff * 8, pdpt + 0x1f4 * 8, pd + 0x091 * 8, pt + 0x145 * 8])
        #expect(walk.steps.map(\.tableAddress) == [root, pdpt, pd, pt])
        #expect(walk.steps[3].raw == page | present)
        #expect(walk.steps[3].pte.frame == page >> 12)
        #expect(walk.steps[3].isLeaf && !walk.steps[2].isLeaf)
        #expect(m.counters.memoryReferences == 4)
        #expect(m.counters.cycles == 4 * m.costs.memoryReference)
        // Same answer from the fast path, and from a map built by the library.
        #expect(space.translate(0x7ffd_1234_5678).physicalAddress == 0x2a_b678)
        let built = try m.makePageTable()
        try built.map(0x7ffd_1234_5000, to: page, pageBytes: 4096, flags: MapFlags(user: true))
        let again = built.walk(0x7ffd_1234_5678)
        #expect(again.steps.map(\.index) == [0x0ff, 0x1f4, 0x091, 0x145])
        #expect(again.steps[0].pteAddress == built.root + 0x0ff * 8)
        #expect(again.result.physicalAddress == 0x2a_b678)
    }

    @Test func accessedAndDirtyBits() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try space.map(0x40_0000, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        let read = space.walk(0x40_0010, access: .read)
        #expect(read.result.fault == nil)
        let leaf = try #require(try space.lookup(0x40_0000)).pte
        #expect(leaf.accessed && !leaf.dirty)
        // x86 sets A in every entry used, D only in the leaf.
        let upper = space.walk(0x40_0010).steps
        #expect(upper.allSatisfy { $0.pte.accessed })
        #expect(upper.dropLast().allSatisfy { !$0.pte.dirty })
        #expect(read.steps[3].raw & 0x20 == 0 && read.steps[3].updated & 0x20 != 0)
        _ = space.translate(0x40_0010, access: .write)
        let written = try #require(try space.lookup(0x40_0000)).pte
        #expect(written.accessed && written.dirty)

        // RISC-V: A/D only in the leaf.
        let r = try Machine(memoryBytes: 64 << 20, mode: .sv39)
        let rs = try r.makePageTable()
        try rs.map(0x40_0000, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        _ = rs.translate(0x40_0000, access: .write)
        let steps = rs.walk(0x40_0000).steps
        #expect(!steps[0].pte.accessed && !steps[1].pte.accessed)
        #expect(steps[2].pte.accessed && steps[2].pte.dirty)
    }

    @Test func protectionFaultsCarryTheX86ErrorCode() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: false, user: true))
        try space.map(0x2000, to: 0x6000, pageBytes: 4096, flags: MapFlags(writable: true, user: false))
        try space.map(0x3000, to: 0x7000, pageBytes: 4096, flags: MapFlags(writable: true, user: true, executable: false))
        try space.map(0x4000, to: 0x8000, pageBytes: 4096, flags: MapFlags(user: true, executable: true))

        let write = try #require(space.translate(0x1234, access: .write, privilege: .user).fault)
        #expect(write.reason == .writeProtected)
        #expect(write.errorCode == PageFault.presentBit | PageFault.writeBit | PageFault.userBit)   // 7
        #expect(write.va == 0x1234)
        #expect(try space.lookup(0x1000)?.pte.dirty == false)

        let kernelPage = try #require(space.translate(0x2010, access: .read, privilege: .user).fault)
        #expect(kernelPage.reason == .supervisorOnly)
        #expect(kernelPage.errorCode == 5)
        #expect(space.translate(0x2010, access: .write, privilege: .supervisor).fault == nil)

        let fetch = try #require(space.translate(0x3000, access: .execute, privilege: .user).fault)
        #expect(fetch.reason == .executeDisabled)
        #expect(fetch.errorCode == PageFault.presentBit | PageFault.userBit | PageFault.instructionBit)   // 0x15
        #expect(space.translate(0x4000, access: .execute).fault == nil)

        let missing = try #require(space.translate(0x9000_0000, access: .write, privilege: .supervisor).fault)
        #expect(missing.reason == .notPresent)
        #expect(missing.errorCode == PageFault.writeBit)
        #expect(missing.level == 1)     // PML4 entry 0 exists; PDPT entry 2 (0x9000_0000 >> 30) does not
        #expect(m.counters.pageFaults == 4)
        #expect(m.counters.protectionFaults == 3)
        #expect(m.counters.notPresentFaults == 1)
    }

    @Test func reservedBitFault() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: MapFlags(user: true))
        let leaf = try #require(try space.lookup(0x1000)).pteAddress
        try m.memory.write(leaf, try m.memory.read(leaf) | (1 << 50))
        let fault = try #require(space.translate(0x1000, access: .read).fault)
        #expect(fault.reason == .reservedBit)
        #expect(fault.errorCode == PageFault.presentBit | PageFault.userBit | PageFault.reservedBit)
    }

    @Test func riscvFaultCauses() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .sv39)
        let space = try m.makePageTable()
        try space.map(0x1000, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: false, user: true))
        let store = try #require(space.translate(0x1000, access: .write).fault)
        #expect(store.code == 15)
        let fetch = try #require(space.translate(0x1000, access: .execute).fault)
        #expect(fetch.code == 12)
        let load = try #require(space.translate(0x80_0000, access: .read).fault)
        #expect(load.code == 13 && load.reason == .notPresent)
    }

    /// OSTEP-style: 15-bit VA, 32-byte pages, 5 + 5 index bits, 1-byte PTEs (valid bit 7, PFN 6..0),
    /// 4 KiB of RAM, page directory in page 108 (0x6c).
    /// VA 0x611c = 11000 01000 11100: PDE index 24, PTE index 8, offset 0x1c.
    /// PDE = 0xa1 (valid, PFN 0x21); PTE in page 0x21 at index 8 = 0xb5 (valid, PFN 0x35);
    /// PA = 0x35 × 32 + 0x1c = 0x6bc.
    @Test func textbookTwoLevelTranslation() throws {
        let mode = try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)
        let m = try Machine(memoryBytes: 4096, mode: mode)
        let pdbr: UInt64 = 108 * 32
        try m.memory.write(pdbr + 24, 0xa1, width: 1)
        try m.memory.write(0x21 * 32 + 8, 0xb5, width: 1)
        try m.memory.write(0x35 * 32 + 0x1c, 0x08, width: 1)
        let space = try m.makePageTable(root: pdbr)
        let (indices, offset) = try mode.split(0x611c)
        #expect(indices == [24, 8] && offset == 0x1c)
        let walk = space.walk(0x611c)
        #expect(walk.result.fault == nil)
        #expect(walk.result.physicalAddress == 0x6bc)
        #expect(try m.memory.read(walk.result.physicalAddress, width: 1) == 0x08)
        #expect(walk.steps.map(\.pteAddress) == [pdbr + 24, 0x21 * 32 + 8])
        #expect(walk.steps[0].pte.present && walk.steps[0].pte.frame == 0x21)
        #expect(walk.steps[1].pte.frame == 0x35)

        // Invalid PDE: VA 0x7fff has PDE index 31, and that entry is 0x7f (valid bit clear).
        try m.memory.write(pdbr + 31, 0x7f, width: 1)
        let badPDE = space.walk(0x7fff)
        #expect(badPDE.result.fault?.reason == .notPresent)
        #expect(badPDE.result.fault?.level == 0)
        #expect(badPDE.steps.count == 1)

        // Invalid PTE: VA 0x6000 = PDE 24 (valid), PTE index 0 in page 0x21, which is 0x7f.
        try m.memory.write(0x21 * 32, 0x7f, width: 1)
        let badPTE = space.walk(0x6000)
        #expect(badPTE.result.fault?.reason == .notPresent)
        #expect(badPTE.result.fault?.level == 1)
        #expect(badPTE.steps.count == 2)

        // The library builds the same kind of tables.
        let built = try m.makePageTable()
        try built.map(0x611c & ~31, to: 0x35 * 32, pageBytes: 32, flags: MapFlags())
        #expect(built.translate(0x611c).physicalAddress == 0x6bc)
        #expect(throws: VMError.self) { try built.map(0x8000, to: 0, pageBytes: 32, flags: MapFlags()) }
    }

    @Test func tableBeyondMemoryIsAFaultNotACrash() throws {
        let m = try Machine(memoryBytes: 1 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try m.memory.write(space.root, 0x7fff_f000 | 0x7)    // points past the 1 MiB of RAM
        let fault = try #require(space.translate(0x10).fault)
        #expect(fault.reason == .tableOutsideMemory)
        #expect(fault.level == 1)
        let nonCanonical = try #require(space.translate(0x8000_0000_0000).fault)
        #expect(nonCanonical.reason == .nonCanonical)
    }
}

@Suite struct HardwareMalformedEntryTests {
    @Test func pageSizeBitInPML4IsReserved() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let space = try m.makePageTable()
        try m.memory.write(space.root, 0x87)          // P W U PS in a PML4 entry
        let fault = try #require(space.translate(0x1234).fault)
        #expect(fault.reason == .reservedBit)
        #expect(fault.level == 0)
        #expect(fault.errorCode & PageFault.reservedBit != 0)
    }

    @Test func riscvWriteWithoutReadAndMisalignedMegapage() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .sv39)
        let space = try m.makePageTable()
        let l1: UInt64 = 0x10_0000
        try m.memory.write(space.root, (l1 >> 12) << 10 | 1)            // level 2 → level 1 table
        try m.memory.write(l1, (0x20_1000 >> 12) << 10 | 0b1111)       // megapage at PA 0x201000: misaligned
        try m.memory.write(l1 + 8, (0x40_0000 >> 12) << 10 | 0b0101)   // W without R
        #expect(space.translate(0x1000).fault?.reason == .misalignedSuperpage)
        #expect(space.translate(0x20_0000).fault?.reason == .reservedBit)
    }

    @Test func decodeKnowsPATFromPS() {
        #expect(PagingMode.x86_64.decode(0x83, level: 2).huge)
        #expect(!PagingMode.x86_64.decode(0x83, level: 3).huge)
    }
}

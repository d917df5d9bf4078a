import Testing
@testable import VMLab

@Suite struct HardwareMemoryTests {
    @Test func readsZeroAndWritesLittleEndian() throws {
        let memory = try PhysicalMemory(bytes: 1 << 20, frameBytes: 4096)
        #expect(try memory.read(0x1234, width: 8) == 0)
        #expect(memory.allocatedBlocks == 0)
        try memory.write(0x1000, 0x1122_3344_5566_7788, width: 8)
        #expect(try memory.read(0x1000, width: 1) == 0x88)
        #expect(try memory.read(0x1002, width: 2) == 0x5566)
        #expect(try memory.read(0x1001, width: 2) == 0x6677)     // unaligned
        #expect(try memory.read(0x1004, width: 4) == 0x1122_3344)
        #expect(memory.allocatedBlocks == 1)
        // Unaligned value crossing a 4 KiB block boundary.
        try memory.write(0x2ffe, 0xaabb_ccdd, width: 4)
        #expect(try memory.read(0x2ffe, width: 4) == 0xaabb_ccdd)
        #expect(try memory.read(0x3000, width: 1) == 0xbb)
        try memory.writeBytes(0x4ffc, [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try memory.readBytes(0x4ffa, count: 6) == [0, 0, 1, 2, 3, 4])
    }

    @Test func boundsErrors() throws {
        let memory = try PhysicalMemory(bytes: 64 << 20, frameBytes: 4096)
        do {
            _ = try memory.read(0x400_0000, width: 8)
            Issue.record("read beyond memory succeeded")
        } catch {
            #expect(error.description == "physical address 0x4000000 is beyond memory (64 MiB)")
        }
        #expect(throws: VMError.physicalAddressBeyondMemory(pa: 0x3ff_fffc, width: 8, memoryBytes: 64 << 20)) {
            try memory.write(0x3ff_fffc, 1, width: 8)
        }
        #expect(throws: VMError.invalidWidth(3)) { try memory.read(0, width: 3) }
        #expect(throws: VMError.self) { try PhysicalMemory(bytes: 5000, frameBytes: 4096) }
        #expect(throws: VMError.self) { try PhysicalMemory(bytes: 0, frameBytes: 4096) }
    }

    @Test func zeroReleasesBlocks() throws {
        let memory = try PhysicalMemory(bytes: 1 << 20, frameBytes: 4096)
        try memory.write(0x5000, 7)
        try memory.write(0x6008, 9)
        try memory.zero(0x5000, length: 0x1000)
        #expect(memory.allocatedBlocks == 1)
        #expect(try memory.read(0x5000) == 0)
        #expect(try memory.read(0x6008) == 9)
    }

    @Test func frameMetadataIsLazy() throws {
        let memory = try PhysicalMemory(bytes: 1 << 30, frameBytes: 4096)
        #expect(try memory.info(frame: 1000) == FrameInfo())
        #expect(memory.allocatedInfoChunks == 0)
        try memory.updateInfo(frame: 1000) { $0.state = .pageTable; $0.tableLevel = 2; $0.refcount = 3 }
        #expect(memory.allocatedInfoChunks == 1)
        let info = try memory.info(frame: 1000)
        #expect(info.state == .pageTable && info.tableLevel == 2 && info.refcount == 3)
        #expect(throws: VMError.self) { try memory.info(frame: 1 << 18) }
    }

    @Test func untouched64GiBMachineIsCheap() throws {
        let machine = try Machine(memoryBytes: 64 << 30, mode: .x86_64)
        #expect(machine.memory.frameCount == 16 << 20)
        #expect(machine.memory.allocatedChunks == 0)
        #expect(machine.memory.allocatedBlocks == 0)
        #expect(machine.memory.allocatedInfoChunks == 0)
        #expect(machine.frames.maxOrder == 18)
        #expect(machine.frames.freeBlocks[18] == 64)
        #expect(machine.frames.freeFrames == 16 << 20)
        let space = try machine.makePageTable()
        try space.map(0x40_0000, to: 63 << 30, pageBytes: 4096, flags: MapFlags(writable: true))
        // Root + 3 tables; the mapped data frame itself was never written.
        #expect(machine.memory.allocatedBlocks == 4)
    }
}

@Suite struct HardwareFrameAllocatorTests {
    @Test func splitsLowestFirstAndCoalesces() throws {
        let a = FrameAllocator(frameCount: 16, maxOrder: 4)
        #expect(a.freeBlocks == [0, 0, 0, 0, 1])
        #expect(a.allocate(order: 0) == 0)
        // 16 split into 1 + 1 + 2 + 4 + 8 free.
        #expect(a.freeBlocks == [1, 1, 1, 1, 0])
        #expect(a.freeFrames == 15)
        #expect(a.allocate(order: 0) == 1)
        #expect(a.allocate(order: 2) == 4)
        #expect(a.allocate(order: 1) == 2)
        #expect(a.freeBlocks == [0, 0, 0, 1, 0])
        try a.free(frame: 1, order: 0)
        #expect(a.freeBlocks == [1, 0, 0, 1, 0])
        try a.free(frame: 0, order: 0)
        #expect(a.freeBlocks == [0, 1, 0, 1, 0])    // 0 and 1 merged; buddy 2..3 still in use
        try a.free(frame: 2, order: 1)
        try a.free(frame: 4, order: 2)
        #expect(a.freeBlocks == [0, 0, 0, 0, 1])
        #expect(a.freeFrames == 16)
    }

    @Test func rejectsBadFreesAndRunsOut() throws {
        let a = FrameAllocator(frameCount: 4, maxOrder: 18)
        #expect(a.maxOrder == 2)
        #expect(a.allocate(order: 2) == 0)
        #expect(a.allocate(order: 0) == nil)
        #expect(throws: VMError.self) { try a.free(frame: 0, order: 1) }   // wrong order
        try a.free(frame: 0, order: 2)
        #expect(throws: VMError.self) { try a.free(frame: 0, order: 2) }   // double free
        #expect(throws: VMError.self) { try a.free(frame: 1, order: 1) }   // misaligned
        #expect(throws: VMError.self) { try a.free(frame: 9, order: 0) }   // beyond
    }

    @Test func oddSizedMemoryIsCoveredByAlignedBlocks() {
        let a = FrameAllocator(frameCount: 13, maxOrder: 3)   // 8 + 4 + 1
        #expect(a.freeBlocks == [1, 0, 1, 1])
        #expect(a.allocate(order: 3) == 0)
        #expect(a.allocate(order: 3) == nil)
        #expect(a.allocate(order: 0) == 12)
    }
}

@Suite struct HardwareUnitsTests {
    @Test func parsesSizes() throws {
        #expect(try ByteSize.parse("64 MiB") == 64 << 20)
        #expect(try ByteSize.parse("2M") == 2 << 20)
        #expect(try ByteSize.parse("1 GiB") == 1 << 30)
        #expect(try ByteSize.parse("4096") == 4096)
        #expect(try ByteSize.parse("4 KB") == 4096)
        #expect(try ByteSize.parse("4kib") == 4096)
        #expect(try ByteSize.parse("1.5 KiB") == 1536)
        #expect(try ByteSize.parse("2 TiB") == 2 << 40)
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("12 parsecs") }
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("") }
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("1.3 B") }
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("-4K") }
        #expect(throws: ByteSize.ParseError.self) { try ByteSize.parse("99999999999 TiB") }
        #expect(Units.size(3 << 20) == "3 MiB")
        #expect(Units.size(1536) == "1536 B")
    }
}

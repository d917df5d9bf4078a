import Testing
@testable import VMLab

/// Issue 9 item 5, the IOMMU: devices with I/O page tables in RAM and an IOTLB, DMA that
/// translates page by page, DMA faults that change nothing, pinning of process buffers.
@Suite struct IOMMUTests {
    static let page: UInt64 = 4096

    /// A 16 MiB x86_64 machine, a device with a 4-entry fully associative LRU IOTLB, and a
    /// 2-page block of physical memory.
    func deviceWithBlock(entries: Int = 4) throws -> (Machine, Device, UInt64) {
        let m = try Machine(memoryBytes: 16 << 20)
        let dev = try Device(name: "nic", host: m, iotlb: TLBLevelConfiguration(name: "IOTLB", entries: entries, ways: 0))
        let pa = m.memory.address(frame: try m.allocateFrames(order: 1, state: .allocated, purpose: "test"))
        return (m, dev, pa)
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func dmaCrossingAPageTranslatesEachPage() throws {
        let (m, dev, pa) = try deviceWithBlock()
        try dev.map(iova: 0x10000, .physical(address: pa, bytes: 2 * Self.page), access: .readWrite)
        #expect(try dev.table.lookup(0x11000)?.physicalAddress == pa + Self.page)
        #expect(try dev.dmaWrite(iova: 0x10000 + 4090, bytes("hello, dma!")) == nil)
        #expect(try m.memory.readBytes(pa + 4090, count: 11) == bytes("hello, dma!"))
        // Two pages, two IOTLB misses, each a 4-level walk of the I/O table.
        #expect(dev.stats.iotlbMisses == 2 && dev.stats.iotlbHits == 0)
        #expect(dev.stats.walkReferences == 8)
        #expect(dev.stats.cycles == 8 * m.costs.memoryReference)
        let back = try dev.dmaRead(iova: 0x10000 + 4090, count: 11)
        #expect(try back.get() == bytes("hello, dma!"))
        #expect(dev.stats.iotlbHits == 2 && dev.stats.iotlbMisses == 2, "the second DMA hits both pages")
        #expect(dev.stats.cycles == 8 * m.costs.memoryReference + 2 * m.costs.tlbHit[0])
        #expect(dev.stats.dmaReads == 1 && dev.stats.dmaWrites == 1)
        #expect(dev.stats.bytesRead == 11 && dev.stats.bytesWritten == 11)
        #expect(m.counters.walks == 0 && m.counters.pageFaults == 0, "I/O walks are not CPU walks")
        // A change of the cost model applies to the next walk.
        var costs = m.costs
        costs.memoryReference = 7
        m.costs = costs
        dev.iotlb.flushAll()
        let before = dev.stats.cycles
        _ = try dev.dmaRead(iova: 0x10000, count: 1)
        #expect(dev.stats.cycles - before == 4 * 7)
    }

    @Test func dmaWriteToReadOnlyMappingFaultsAndLeavesMemoryUnchanged() throws {
        let (m, dev, pa) = try deviceWithBlock()
        try m.memory.writeBytes(pa, bytes("original"))
        try dev.map(iova: 0x20000, .physical(address: pa, bytes: Self.page), access: .read)
        let fault = try dev.dmaWrite(iova: 0x20000, bytes("scribble"))
        #expect(fault == DMAFault(iova: 0x20000, access: .write, reason: .readOnly))
        #expect(try m.memory.readBytes(pa, count: 8) == bytes("original"))
        #expect(dev.faults == [DMAFault(iova: 0x20000, access: .write, reason: .readOnly)])
        #expect(dev.stats.faults(.readOnly) == 1 && dev.stats.dmaWrites == 0)
        // Reading is allowed, and a second try faults again (the IOTLB entry lacks W).
        #expect(try dev.dmaRead(iova: 0x20000, count: 8).get() == bytes("original"))
        #expect(try dev.dmaWrite(iova: 0x20000, bytes("x")) != nil)
        #expect(dev.stats.faults(.readOnly) == 2)
    }

    @Test func aFaultOnTheSecondPageStopsTheWholeTransfer() throws {
        let (m, dev, pa) = try deviceWithBlock()
        try dev.map(iova: 0x30000, .physical(address: pa, bytes: Self.page), access: .readWrite)
        try dev.map(iova: 0x31000, .physical(address: pa + Self.page, bytes: Self.page), access: .read)
        let fault = try dev.dmaWrite(iova: 0x30ffc, bytes("12345678"))
        #expect(fault?.iova == 0x31000 && fault?.reason == .readOnly)
        #expect(try m.memory.readBytes(pa + 0xffc, count: 4) == [0, 0, 0, 0], "the first page is not written either")
    }

    @Test func unmappedAndWriteOnlyFaults() throws {
        let (_, dev, pa) = try deviceWithBlock()
        try dev.map(iova: 0x40000, .physical(address: pa, bytes: Self.page), access: .write)
        guard case let .failure(fault) = try dev.dmaRead(iova: 0x40000, count: 4) else { Issue.record("read of a w page"); return }
        #expect(fault.reason == .writeOnly)
        #expect(try dev.dmaWrite(iova: 0x40000, bytes("ok")) == nil)
        guard case let .failure(unmapped) = try dev.dmaRead(iova: 0x90000, count: 4) else { Issue.record("unmapped read"); return }
        #expect(unmapped == DMAFault(iova: 0x90000, access: .read, reason: .unmapped))
        #expect(dev.faults.map(\.reason) == [.writeOnly, .unmapped])
    }

    @Test func unmapInvalidatesTheIOTLB() throws {
        let (_, dev, pa) = try deviceWithBlock()
        try dev.map(iova: 0x50000, .physical(address: pa, bytes: Self.page), access: .readWrite)
        #expect(try dev.dmaWrite(iova: 0x50000, bytes("a")) == nil)
        #expect(dev.iotlb.validCount == 1)
        try dev.unmap(iova: 0x50000)
        #expect(dev.stats.invalidations == 1 && dev.iotlb.validCount == 0)
        #expect(try dev.dmaWrite(iova: 0x50000, bytes("b"))?.reason == .unmapped, "no stale IOTLB hit")
        #expect(dev.table.mappedBytes == 0)
    }

    /// An IOTLB of 4 entries, LRU: cycling over 4 pages hits after the first round; over 5
    /// pages every access misses (LRU's worst case, as for a CPU TLB).
    @Test func iotlbReachIsItsEntryCount() throws {
        let m = try Machine(memoryBytes: 16 << 20)
        let dev = try Device(name: "disk", host: m, iotlb: TLBLevelConfiguration(name: "IOTLB", entries: 4, ways: 0))
        let pa = m.memory.address(frame: try m.allocateFrames(order: 3, state: .allocated, purpose: "test"))
        try dev.map(iova: 0, .physical(address: pa, bytes: 8 * Self.page), access: .readWrite)
        for _ in 0..<10 { for i in 0..<UInt64(4) { _ = try dev.dmaRead(iova: i * Self.page, count: 8) } }
        #expect(dev.stats.iotlbMisses == 4 && dev.stats.iotlbHits == 36)
        dev.resetStats()
        dev.iotlb.flushAll()
        for _ in 0..<10 { for i in 0..<UInt64(5) { _ = try dev.dmaRead(iova: i * Self.page, count: 8) } }
        #expect(dev.stats.iotlbMisses == 50 && dev.stats.iotlbHits == 0)
    }

    @Test func badInputIsAnErrorNotACrash() throws {
        let (m, dev, pa) = try deviceWithBlock()
        #expect(throws: DeviceError.self) { try dev.map(iova: 0x1001, .physical(address: pa, bytes: 1), access: .read) }
        #expect(throws: DeviceError.self) { try dev.map(iova: 0x1000, .physical(address: pa + 8, bytes: 1), access: .read) }
        #expect(throws: DeviceError.self) { try dev.map(iova: 0x1000, .physical(address: pa, bytes: 1 << 40), access: .read) }
        #expect(throws: DeviceError.self) { try dev.map(iova: 0x1000, .physical(address: m.memory.bytes, bytes: 4096), access: .read) }
        #expect(throws: DeviceError.self) { try dev.map(iova: UInt64.max & ~0xfff, .physical(address: pa, bytes: 4096), access: .read) }
        #expect(throws: DeviceError.self) { try dev.map(iova: 0x1000, .physical(address: pa, bytes: 0), access: .read) }
        try dev.map(iova: 0x1000, .physical(address: pa, bytes: 4096), access: .read)
        #expect(throws: DeviceError.alreadyMapped(device: "nic", iova: 0x1000)) {
            try dev.map(iova: 0x0, .physical(address: pa, bytes: 8192), access: .read)
        }
        #expect(dev.mappedPages == 1, "a refused map leaves nothing mapped")
        #expect(throws: DeviceError.notMapped(device: "nic", iova: 0x2000)) { try dev.unmap(iova: 0x1000, bytes: 8192) }
        #expect(dev.mappedPages == 1, "a refused unmap changes nothing")
        #expect(throws: DeviceError.self) { _ = try dev.dmaRead(iova: 0x1000, count: -1) }
        #expect(throws: DeviceError.self) { _ = try dev.dmaRead(iova: UInt64.max - 2, count: 8) }
        #expect(throws: DeviceError.self) { _ = try dev.dmaRead(iova: 0, count: Int(m.memory.bytes) + 1) }
        #expect(throws: VMError.self) {
            _ = try Device(name: "bad", host: m, iotlb: TLBLevelConfiguration(name: "IOTLB", entries: 6, ways: 4))
        }
        let framesBefore = m.frames.freeFrames
        dev.close()
        #expect(m.frames.freeFrames > framesBefore, "closing frees the I/O page table")
        #expect(throws: DeviceError.closed(device: "nic")) { _ = try dev.dmaRead(iova: 0x1000, count: 1) }
        #expect(throws: DeviceError.closed(device: "nic")) { try dev.map(iova: 0x1000, .physical(address: pa, bytes: 1), access: .read) }
    }

    /// A machine of 64 frames with swap, a process and a one-page heap buffer holding `value`.
    func processWithBuffer(value: UInt64) throws -> (Machine, Kernel, Process, UInt64) {
        let m = try Machine(memoryBytes: 64 * Self.page)
        let k = try m.kernel
        try k.enableSwap(bytes: 1024 * Self.page)
        try k.setPolicy(.clock)
        let p = try k.spawn("driver")
        let buffer = try k.mmap(p, MmapRequest(length: Self.page))
        try k.write(p, buffer, value)
        return (m, k, p, buffer)
    }

    func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func aProcessBufferMustBePinned() throws {
        let (m, k, p, buffer) = try processWithBuffer(value: 7)
        let dev = try Device(name: "nic", host: m)
        #expect(throws: DeviceError.self) { try dev.map(iova: 0, .process(p, va: buffer, bytes: Self.page, pin: false), access: .read) }
        #expect(dev.mappedPages == 0)
        try dev.map(iova: 0, .process(p, va: buffer, bytes: Self.page, pin: true), access: .readWrite)
        let frame = try k.translate(p, buffer, .read) / Self.page
        #expect(try m.memory.info(frame: frame).pinned)
        #expect(try m.memory.info(frame: frame).refcount == 2, "the mapping and the device's reference")
        expectConsistent(k)
        // The device sees what the process wrote, and the process what the device writes.
        #expect(try dev.dmaRead(iova: 0, count: 8).get() == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(try dev.dmaWrite(iova: 8, [9, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(try k.read(p, buffer + 8) == 9)
        try dev.unmap(iova: 0)
        #expect(try !m.memory.info(frame: frame).pinned, "unmap unpins what map pinned")
        #expect(try m.memory.info(frame: frame).refcount == 1)
        expectConsistent(k)
        // An mlocked buffer needs no pin = true, and unmap leaves the mlock's pin alone.
        try k.mlock(p, buffer, Self.page)
        try dev.map(iova: 0, .process(p, va: buffer, bytes: Self.page, pin: false), access: .read)
        try dev.unmap(iova: 0)
        #expect(try m.memory.info(frame: frame).pinned)
    }

    /// Fills memory with `pages` other pages of `p` (the clock evicts what it can).
    func pressure(_ k: Kernel, _ p: Process, pages: UInt64) throws {
        let filler = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for i in 0..<pages { try k.write(p, filler + i * Self.page, i) }
    }

    @Test func aPinnedBufferIsNotSwappedOutUnderPressure() throws {
        let (m, k, p, buffer) = try processWithBuffer(value: 0xC0FFEE)
        let dev = try Device(name: "nic", host: m)
        let pa = try k.translate(p, buffer, .read)
        try dev.map(iova: 0x7000, .process(p, va: buffer, bytes: Self.page, pin: true), access: .readWrite)
        try pressure(k, p, pages: 256)
        #expect((k.reclaimer?.counters.swapOuts ?? 0) > 100, "memory was under pressure")
        #expect(k.swapSlot(k.readPTE(p.space, buffer)) == nil, "the pinned page stayed in memory")
        #expect(try k.translate(p, buffer, .read) == pa, "in the same frame")
        #expect(try dev.dmaRead(iova: 0x7000, count: 3).get() == [0xEE, 0xFF, 0xC0])
        expectConsistent(k)
        #expect(dev.check().isEmpty)
        // The same buffer without a device: swapped out (so the test above can fail).
        try dev.unmap(iova: 0x7000)
        try pressure(k, p, pages: 256)
        #expect(k.swapSlot(k.readPTE(p.space, buffer)) != nil, "an unpinned page goes to swap")
        #expect(try k.read(p, buffer) == 0xC0FFEE)
    }

    @Test func munmapWhileMappedForDMAKeepsTheFrameUntilUnmap() throws {
        let (m, k, p, buffer) = try processWithBuffer(value: 42)
        let dev = try Device(name: "nic", host: m)
        try dev.map(iova: 0, .process(p, va: buffer, bytes: Self.page, pin: true), access: .readWrite)
        let frame = try k.translate(p, buffer, .read) / Self.page
        try k.munmap(p, buffer, Self.page)
        #expect(try m.memory.info(frame: frame).state == .user, "the device's reference keeps the frame")
        #expect(try dev.dmaRead(iova: 0, count: 1).get() == [42])
        expectConsistent(k)
        try dev.unmap(iova: 0)
        #expect(try m.memory.info(frame: frame).state == .free, "the last reference frees it")
        expectConsistent(k)
    }

    @Test func aGuestDeviceTranslatesThroughTheEPT() throws {
        let host = try Machine(memoryBytes: 64 << 20)
        let guest = try Guest(host: host, memoryBytes: 16 << 20, mode: .x86_64)
        let dev = try Device(name: "vf", host: host, guest: guest)
        try dev.map(iova: 0x8000, .physical(address: 0x5000, bytes: Self.page), access: .readWrite)
        let hpa = try #require(try guest.hostAddress(gpa: 0x5000), "map backs the guest page")
        #expect(try host.memory.info(frame: hpa / Self.page).pinned)
        #expect(try dev.dmaWrite(iova: 0x8010, bytes("guest")) == nil)
        #expect(try host.memory.readBytes(try guest.touch(gpa: 0x5010), count: 5) == bytes("guest"))
        #expect(dev.stats.walkReferences == 8, "4 references in the I/O table, 4 in the EPT")
        #expect(dev.check().isEmpty, "\(dev.check())")
        #expect(throws: DeviceError.self) {
            try dev.map(iova: 0x9000, .physical(address: 16 << 20, bytes: Self.page), access: .read)
        }
        try dev.unmap(iova: 0x8000)
        #expect(try !host.memory.info(frame: hpa / Self.page).pinned)
    }

    /// Random maps, unmaps and DMA against a reference model (a dictionary of pages and byte
    /// arrays per frame): every outcome, every byte read, memory after every write, and every
    /// IOTLB entry agree with the model.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomOperationsMatchAReferenceModel(seed: UInt64) throws {
        let m = try Machine(memoryBytes: 16 << 20)
        let dev = try Device(name: "prop", host: m, iotlb: TLBLevelConfiguration(name: "IOTLB", entries: 8, ways: 2))
        var rng = SeededGenerator(seed: seed)
        let frames = try (0..<6).map { _ in m.memory.address(frame: try m.allocateFrames(order: 0, state: .allocated, purpose: "test")) }
        var model: [UInt64: (pa: UInt64, access: DMAAccess)] = [:]
        var contents: [UInt64: [UInt8]] = Dictionary(uniqueKeysWithValues: frames.map { ($0, [UInt8](repeating: 0, count: 4096)) })
        /// The reference: the first faulting page's IOVA and reason, or nil.
        func expectedFault(_ iova: UInt64, _ count: Int, _ direction: AccessKind) -> DMAFault? {
            guard count > 0 else { return nil }
            var page = iova & ~0xfff
            while page <= (iova + UInt64(count) - 1) & ~0xfff {
                let at = max(page, iova)
                guard let mapping = model[page] else { return DMAFault(iova: at, access: direction, reason: .unmapped) }
                if !mapping.access.allows(direction) {
                    return DMAFault(iova: at, access: direction, reason: direction == .write ? .readOnly : .writeOnly)
                }
                page += 4096
            }
            return nil
        }
        for step in 0..<600 {
            let page = rng.next(below: 24) * 4096
            switch rng.next(below: 10) {
            case 0, 1:
                let pa = frames[Int(rng.next(below: UInt64(frames.count)))]
                let access = DMAAccess.allCases[Int(rng.next(below: 3))]
                if model[page] != nil {
                    #expect(throws: DeviceError.alreadyMapped(device: "prop", iova: page)) {
                        try dev.map(iova: page, .physical(address: pa, bytes: 4096), access: access)
                    }
                } else {
                    try dev.map(iova: page, .physical(address: pa, bytes: 4096), access: access)
                    model[page] = (pa, access)
                }
            case 2:
                if model[page] == nil {
                    #expect(throws: DeviceError.notMapped(device: "prop", iova: page)) { try dev.unmap(iova: page) }
                } else {
                    try dev.unmap(iova: page)
                    model[page] = nil
                }
            case 3, 4, 5:
                let iova = page + rng.next(below: 4096)
                let data = (0..<Int(rng.next(below: 9000))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let want = expectedFault(iova, data.count, .write)
                #expect(try dev.dmaWrite(iova: iova, data) == want, "step \(step)")
                if want == nil {
                    for (i, byte) in data.enumerated() {
                        let at = iova + UInt64(i)
                        if let mapping = model[at & ~0xfff] { contents[mapping.pa]?[Int(at & 0xfff)] = byte }
                    }
                }
            default:
                let iova = page + rng.next(below: 4096)
                let count = Int(rng.next(below: 9000))
                let want = expectedFault(iova, count, .read)
                switch try dev.dmaRead(iova: iova, count: count) {
                case let .failure(fault): #expect(fault == want, "step \(step)")
                case let .success(bytes):
                    #expect(want == nil, "step \(step)")
                    let expected = (0..<count).map { i -> UInt8 in
                        let at = iova + UInt64(i)
                        guard let mapping = model[at & ~0xfff] else { return 0xEE }
                        return contents[mapping.pa]?[Int(at & 0xfff)] ?? 0xEE
                    }
                    #expect(bytes == expected, "step \(step)")
                }
            }
            let problems = dev.check()
            #expect(problems.isEmpty, "step \(step): \(problems.prefix(3))")
            for entry in dev.iotlb.dump() {
                let mapping = model[entry.vpn << 12]
                #expect(mapping?.pa == entry.physicalBase, "step \(step): IOTLB entry for \(Units.hex(entry.vpn << 12)) is stale")
                #expect(mapping.map { $0.access.allowsRead == entry.readable && $0.access.allowsWrite == entry.writable } == true)
            }
        }
        for pa in frames { #expect(try m.memory.readBytes(pa, count: 4096) == contents[pa], "frame \(Units.hex(pa))") }
        #expect(dev.stats.iotlbHits > 0 && dev.stats.faults > 0, "the run exercised hits and faults")
    }
}

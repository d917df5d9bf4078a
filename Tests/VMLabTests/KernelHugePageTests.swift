import Testing
@testable import VMLab

/// Huge-page management (issue 11 item 3): transparent huge pages at fault, promotion, split,
/// khugepaged, the hugetlb pool, fragmentation and compaction. `check()` after every step.
@Suite struct KernelHugePageTests {
    static let page: UInt64 = 4096
    static let huge: UInt64 = 2 << 20

    static func kernel(memory: UInt64 = 32 << 20, thp: TransparentHugePageMode = .always) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: memory)
        let k = try m.kernel
        try k.setTransparentHugePages(thp)
        return (m, k)
    }

    static func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    /// An anonymous read-write mapping of `bytes` aligned to a huge page.
    static func alignedArea(_ k: Kernel, _ p: Process, _ bytes: UInt64, at address: UInt64 = 0x4000_0000) throws -> UInt64 {
        var r = MmapRequest(length: bytes)
        r.fixed = true
        r.address = address
        return try k.mmap(p, r)
    }

    /// The level of the leaf mapping `va` (2 = PD on x86_64: a 2 MiB page; 3 = PT).
    static func leafLevel(_ k: Kernel, _ p: Process, _ va: UInt64) -> Int? { k.leafOf(p.space, va)?.level }

    /// Fills every buddy block of the huge order with one pinned frame so that no aligned 2 MiB
    /// block is free; returns the frames (free them to undo).
    static func fragment(_ m: Machine) throws -> [UInt64] {
        var held: [UInt64] = []
        var all: [UInt64] = []
        while let f = m.frames.allocate(order: 0) { all.append(f) }
        for f in all {
            if f % 512 == 0 { held.append(f) } else { try m.frames.free(frame: f, order: 0) }
        }
        return held
    }

    @Test func firstTouchOfAnAlignedRegionMapsOneHugePage() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, 2 * Self.huge)
        try k.write(p, a + 0x1234, 42)
        #expect(Self.leafLevel(k, p, a) == 2, "one PD leaf maps the region")
        #expect(k.hugePages.counters.thpFaultAlloc == 1 && p.counters.minorFaults == 1)
        #expect(k.memoryStats(p).anonHuge == Self.huge)
        for i in stride(from: UInt64(0), to: Self.huge, by: 4096) { _ = try k.read(p, a + i) }
        #expect(p.counters.minorFaults == 1, "the other 511 pages need no fault")
        #expect(try k.read(p, a + 0x1234) == 42)
        Self.expectConsistent(k)
    }

    @Test func neverAndMadviseModesFollowLinux() throws {
        let (m, k) = try Self.kernel(thp: .madvise)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, 2 * Self.huge)
        try k.write(p, a, 1)
        #expect(Self.leafLevel(k, p, a) == 3, "madvise mode: no advice, base pages")
        try k.madvise(p, a + Self.huge, Self.huge, .hugepage)
        try k.write(p, a + Self.huge, 2)
        #expect(Self.leafLevel(k, p, a + Self.huge) == 2, "advised region: a huge page")
        try k.setTransparentHugePages(.always)
        let b = try Self.alignedArea(k, p, Self.huge, at: 0x8000_0000)
        try k.madvise(p, b, Self.huge, .nohugepage)
        try k.write(p, b, 3)
        #expect(Self.leafLevel(k, p, b) == 3, "nohugepage wins over always")
        let m32 = try Machine(memoryBytes: 32 << 5, mode: try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1))
        #expect(throws: KernelError.self) { try m32.kernel.setTransparentHugePages(.always) }
        Self.expectConsistent(k)
    }

    @Test func touchingAll512PagesPromotesTheRegion() throws {
        // Base pages first (THP off), then THP on: the fault that maps the 512th page promotes.
        let (m, k) = try Self.kernel(thp: .never)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, Self.huge)
        for i in 0..<UInt64(511) { try k.write(p, a + i * Self.page, i + 1) }
        try k.setTransparentHugePages(.always)
        try k.write(p, a + 510 * Self.page, 511)
        #expect(Self.leafLevel(k, p, a) == 3, "511 pages: no promotion")
        Self.expectConsistent(k)
        let tables = p.space.tablePages, free0 = m.frames.freeFrames
        try k.write(p, a + 511 * Self.page, 512)
        #expect(Self.leafLevel(k, p, a) == 2, "the full region became one PD leaf")
        #expect(k.hugePages.counters.thpCollapseAlloc == 1 && k.memoryStats(p).anonHuge == Self.huge)
        #expect(p.space.tablePages[3] == tables[3] - 1, "the page table went")
        #expect(m.frames.freeFrames == free0 + 1 - 1, "512 base frames and a table freed, one new frame faulted, 512 taken")
        for i in 0..<UInt64(512) { #expect(try k.read(p, a + i * Self.page) == i + 1) }
        Self.expectConsistent(k)
        // With memory fragmented the same promotion fails, and is counted.
        let b = try Self.alignedArea(k, p, Self.huge, at: 0x8000_0000)
        let held = try Self.fragment(m)
        for i in 0..<UInt64(512) { try k.write(p, b + i * Self.page, i) }
        #expect(Self.leafLevel(k, p, b) == 3)
        #expect(k.hugePages.counters.thpFaultFallback == 1 && k.hugePages.counters.thpCollapseAllocFailed == 1)
        for f in held { try m.frames.free(frame: f, order: 0) }
        Self.expectConsistent(k)
    }

    @Test func hugePagesCutTLBMisses() throws {
        func misses(_ thp: TransparentHugePageMode) throws -> Int {
            let (m, k) = try Self.kernel(memory: 64 << 20, thp: thp)
            let p = try k.spawn("tlb")
            let a = try Self.alignedArea(k, p, 16 << 20)
            var rng = SeededGenerator(seed: 7)
            for i in stride(from: UInt64(0), to: 16 << 20, by: 4096) { try k.write(p, a + i, i) }
            m.counters.reset()
            for _ in 0..<20_000 { _ = try k.read(p, a + UInt64.random(in: 0..<(16 << 20), using: &rng) & ~7) }
            Self.expectConsistent(k)
            return m.counters.values.walks
        }
        let small = try misses(.never), huge = try misses(.always)
        #expect(small > 10_000, "4096 pages do not fit the TLB: \(small)")
        #expect(huge < small / 10, "8 huge pages do: \(huge) vs \(small)")
    }

    @Test func munmapOfOnePageSplitsAndTheOther511KeepTheirData() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, Self.huge)
        for i in 0..<UInt64(512) { try k.write(p, a + i * Self.page, 1000 + i) }
        #expect(Self.leafLevel(k, p, a) == 2)
        let free0 = m.frames.freeFrames
        try k.munmap(p, a + 100 * Self.page, Self.page)
        #expect(k.hugePages.counters.thpSplitPage == 1)
        #expect(Self.leafLevel(k, p, a) == 3, "back to a table of 512 PTEs")
        #expect(m.frames.freeFrames == free0, "one frame freed, one taken for the new page table")
        Self.expectConsistent(k)
        for i in 0..<UInt64(512) where i != 100 { #expect(try k.read(p, a + i * Self.page) == 1000 + i) }
        p.catchSegv = true
        #expect(throws: KernelError.self) { _ = try k.read(p, a + 100 * Self.page) }
        // mprotect of part of a huge page splits it too, with the same contents.
        let b = try Self.alignedArea(k, p, Self.huge, at: 0x8000_0000)
        try k.write(p, b + 5 * Self.page, 55)
        try k.mprotect(p, b, 16 * Self.page, Protection(read: true))
        #expect(Self.leafLevel(k, p, b) == 3 && k.hugePages.counters.thpSplitPage == 2)
        #expect(try k.read(p, b + 5 * Self.page) == 55)
        #expect(throws: KernelError.self) { try k.write(p, b, 1) }
        try k.write(p, b + 16 * Self.page, 1)
        Self.expectConsistent(k)
        // dontneed of part of a huge page: split, and the dropped pages read zero.
        let c = try Self.alignedArea(k, p, Self.huge, at: 0xc000_0000)
        for i in 0..<UInt64(4) { try k.write(p, c + i * Self.page, 9) }
        try k.madvise(p, c + Self.page, Self.page, .dontneed)
        #expect(try k.read(p, c) == 9 && k.read(p, c + Self.page) == 0 && k.read(p, c + 2 * Self.page) == 9)
        Self.expectConsistent(k)
    }

    @Test func forkSharesAHugePageAndCOWCopiesOrSplitsIt() throws {
        let (m, k) = try Self.kernel(memory: 16 << 20)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("parent")
        let a = try Self.alignedArea(k, p, Self.huge)
        for i in 0..<UInt64(512) { try k.write(p, a + i * Self.page, i) }
        let c = try k.fork(p)
        try k.write(c, a, 77)
        #expect(Self.leafLevel(k, c, a) == 2, "a free block: the huge page is copied whole")
        #expect(try k.read(p, a) == 0 && k.read(c, a) == 77)
        Self.expectConsistent(k)
        let c2 = try k.fork(p)
        let held = try Self.fragment(m)
        try k.write(c2, a + 3 * Self.page, 88)
        #expect(Self.leafLevel(k, c2, a) == 3, "no free block: split into private copies")
        #expect(try k.read(c2, a + 3 * Self.page) == 88 && k.read(p, a + 3 * Self.page) == 3 && k.read(c2, a + 4 * Self.page) == 4)
        Self.expectConsistent(k)
        for f in held { try m.frames.free(frame: f, order: 0) }
        k.exit(c); k.exit(c2); k.exit(p)
        Self.expectConsistent(k)
        #expect(m.frames.freeFrames == m.frames.frameCount - 1)
    }

    @Test func fragmentationMakesPromotionFailAndCompactionFixesIt() throws {
        let (m, k) = try Self.kernel(memory: 16 << 20, thp: .never)
        defer { withExtendedLifetime(m) {} }
        // Fill memory with one process's base pages, then keep one page in every 256.
        let filler = try k.spawn("filler")
        let f = try Self.alignedArea(k, filler, 16 << 20)
        // One page per 2 MiB first: the page tables land at the bottom of memory.
        for i in stride(from: UInt64(0), to: 16 << 20, by: Int(Self.huge)) { try k.write(filler, f + i + 255 * Self.page, 1) }
        var touched: UInt64 = 0
        while m.frames.freeFrames > 8 { if touched / Self.page % 512 != 255 { try k.write(filler, f + touched, touched | 1) }; touched += Self.page }
        var kept: [UInt64] = []
        for i in stride(from: UInt64(0), to: touched, by: 4096) {
            if (i / Self.page) % 256 == 0 { kept.append(i) } else if (i / Self.page) % 512 != 255 { try k.munmap(filler, f + i, Self.page) }
        }
        Self.expectConsistent(k)
        #expect(k.freeHugeBlocks == 0, "every 2 MiB block holds a page")
        try k.setTransparentHugePages(.always)
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, Self.huge)
        try k.write(p, a, 5)
        #expect(Self.leafLevel(k, p, a) == 3 && k.hugePages.counters.thpFaultFallback == 1)
        for i in 1..<UInt64(16) { try k.write(p, a + i * Self.page, 5) }
        #expect(try k.khugepaged(pages: 4096).failed == 1)
        #expect(k.hugePages.counters.thpCollapseAllocFailed == 1)
        let r = try k.compact()
        #expect(r.migrated > 0 && r.blocks > 0 && r.freeHugeBlocks > 0, "\(r)")
        #expect(k.hugePages.counters.compactMigrated == r.migrated)
        Self.expectConsistent(k)
        for i in kept { #expect(try k.read(filler, f + i) == i | 1, "moved pages keep their data") }
        let scan = try k.khugepaged(pages: 4096)
        #expect(scan.collapsed == 1, "\(scan)")
        #expect(Self.leafLevel(k, p, a) == 2)
        #expect(try k.read(p, a + 15 * Self.page) == 5 && k.read(p, a + 16 * Self.page) == 0)
        Self.expectConsistent(k)
        let b = try Self.alignedArea(k, p, Self.huge, at: 0x8000_0000)
        try k.write(p, b, 1)
        #expect(Self.leafLevel(k, p, b) == 2, "a fault finds a free block after compaction")
        Self.expectConsistent(k)
    }

    @Test func khugepagedHonoursMaxPtesNone() throws {
        let (m, k) = try Self.kernel(thp: .never)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.alignedArea(k, p, 2 * Self.huge)
        for i in 0..<UInt64(10) { try k.write(p, a + i * Self.page, i + 1) }
        for i in 0..<UInt64(500) { try k.write(p, a + Self.huge + i * Self.page, i + 1) }
        try k.setTransparentHugePages(.always)
        try k.setMaxPtesNone(64)
        let scan = try k.khugepaged(pages: 4096)
        #expect(scan.scanned == 2 && scan.collapsed == 1)
        #expect(Self.leafLevel(k, p, a) == 3 && Self.leafLevel(k, p, a + Self.huge) == 2)
        for i in 0..<UInt64(512) { #expect(try k.read(p, a + Self.huge + i * Self.page) == (i < 500 ? i + 1 : 0)) }
        #expect(throws: KernelError.self) { try k.setMaxPtesNone(512) }
        #expect(throws: KernelError.self) { _ = try k.khugepaged(pages: 0) }
        Self.expectConsistent(k)
    }

    @Test func hugetlbPoolServesHugepageMappings() throws {
        let (m, k) = try Self.kernel(memory: 16 << 20, thp: .never)
        defer { withExtendedLifetime(m) {} }
        #expect(throws: KernelError.self) { try k.reserveHugePagePool(pages: 9) }
        #expect(k.hugePages.pool.total == 0, "a failed reservation takes nothing")
        try k.reserveHugePagePool(pages: 2)
        #expect(k.hugePages.pool.total == 2 && k.hugePages.pool.freeCount == 2)
        Self.expectConsistent(k)
        let p = try k.spawn("db")
        var r = MmapRequest(length: 3 * Self.huge)
        r.hugepage = true
        #expect(throws: KernelError.self) { _ = try k.mmap(p, r) }
        r.length = 2 * Self.huge
        let a = try k.mmap(p, r)
        try k.write(p, a, 1)
        try k.write(p, a + Self.huge, 2)
        #expect(k.hugePages.pool.freeCount == 0)
        Self.expectConsistent(k)
        try k.munmap(p, a, Self.huge)
        #expect(k.hugePages.pool.freeCount == 1, "the page went back to the pool")
        r.length = Self.huge
        let b = try k.mmap(p, r), c = try k.mmap(p, r)
        try k.write(p, b, 3)
        p.catchSegv = true
        #expect(throws: KernelError.self, "mmap checks the pool but does not reserve: the second fault finds it empty") {
            try k.write(p, c, 4)
        }
        Self.expectConsistent(k)
    }
}

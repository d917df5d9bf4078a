import Testing
@testable import VMLab

/// Transparent huge pages under memory pressure (issue 7): reclaim splits a THP the policy picks
/// and swaps its base pages out (`thp_split_reclaim`); data survives; hugetlb pages stay.
/// `check()` is clean along the way.
@Suite struct KernelHugeReclaimTests {
    static let page: UInt64 = 4096
    static let huge: UInt64 = 2 << 20

    /// An always-THP x86_64 machine of `memory` bytes with swap of `swapBytes` and `policy`.
    static func machine(memory: UInt64 = 8 << 20, swapBytes: UInt64 = 64 << 20, policy: PolicySpec = .clock) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: memory)
        let k = try m.kernel
        try k.setTransparentHugePages(.always)
        try k.enableSwap(bytes: swapBytes)
        try k.setPolicy(policy)
        return (m, k)
    }

    static func value(_ i: UInt64, round: UInt64 = 0) -> UInt64 { 0x3131_0000_0000 &+ i &* 6_700_417 &+ round << 40 }

    static func area(_ k: Kernel, _ p: Process, _ bytes: UInt64) throws -> UInt64 {
        var r = MmapRequest(length: bytes)
        r.fixed = true
        r.address = 0x4000_0000
        return try k.mmap(p, r)
    }

    /// 16 MiB of THP-backed memory written page by page on an 8 MiB machine: the first regions
    /// get huge pages, pressure splits them (counted) and swaps their pages out; every value
    /// reads back (twice, in two orders, with a second round of writes between).
    @Test(arguments: [PolicySpec.clock, .fifo, .lru, .arc])
    func thpRegionsAreSplitAndSwappedUnderPressure(policy: PolicySpec) throws {
        let (m, k) = try Self.machine(policy: policy)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let pages = (16 << 20) / Self.page
        let a = try Self.area(k, p, pages * Self.page)
        for i in 0..<pages {
            try k.write(p, a + i * Self.page + 8 * (i % 512), Self.value(i))
            if i % 1024 == 1023 { KernelSwapTests.expectConsistent(k) }
        }
        let c = k.hugePages.counters
        #expect(c.thpFaultAlloc >= 1, "the first regions got huge pages")
        let r = try #require(k.reclaimer)
        #expect(r.counters.swapOuts > pages / 2)
        KernelSwapTests.expectConsistent(k)
        for i in (0..<pages).reversed() { #expect(try k.read(p, a + i * Self.page + 8 * (i % 512)) == Self.value(i)) }
        // A THP accessed since reclaim last looked gets a second chance, so (ARC) the split may
        // come only once the reads push it out.
        let split = k.hugePages.counters
        #expect(split.thpSplitReclaim >= 1, "reclaim split at least one THP")
        #expect(split.thpSplitPage >= split.thpSplitReclaim)
        KernelSwapTests.expectConsistent(k)
        for i in stride(from: 0, to: pages, by: 5) { try k.write(p, a + i * Self.page, Self.value(i, round: 1)) }
        for i in 0..<pages {
            let want = i % 5 == 0 ? Self.value(i, round: 1) : 0
            #expect(try k.read(p, a + i * Self.page) == want || i % 512 == 0)
            let other = i % 5 == 0 && i % 512 == 0 ? Self.value(i, round: 1) : Self.value(i)
            #expect(try k.read(p, a + i * Self.page + 8 * (i % 512)) == other)
        }
        #expect(r.counters.swapOuts == r.counters.writebacks + r.counters.cleanDrops)
        KernelSwapTests.expectConsistent(k)
        k.exit(p)
        #expect(k.swap?.usedCount == 0)
        KernelSwapTests.expectConsistent(k)
    }

    /// The policy sees a THP as one page (its head frame); a split by munmap hands the 511 pages
    /// left to the policy, each at its own address.
    @Test func aTrackedTHPIsOnePageAndItsSplitHandsThePagesOver() throws {
        let (m, k) = try Self.machine(memory: 32 << 20)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.area(k, p, Self.huge)
        let r = try #require(k.reclaimer)
        let before = r.frames.residentCount
        try k.write(p, a, 1)
        #expect(k.leafOf(p.space, a)?.level == 2)
        #expect(r.frames.residentCount == before + 1)
        let head = k.entryFrame(p.space, k.readPTE(p.space, a))
        #expect(r.frames.isResident(Int(head)) && r.pageVA[Int(head)] == a)
        try k.munmap(p, a + Self.huge - Self.page, Self.page)
        #expect(r.frames.residentCount == before + 511)
        #expect(r.pageVA[Int(head) + 7] == a + 7 * Self.page)
        KernelSwapTests.expectConsistent(k)
    }

    /// FIFO picks the THP first (it came first), but while it is used its Accessed bit gives it
    /// a second chance each time; once it is left alone it is split and swapped out.
    @Test func aTHPInUseGetsASecondChance() throws {
        let (m, k) = try Self.machine(memory: 8 << 20, policy: .fifo)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.area(k, p, Self.huge)
        try k.write(p, a, 1)
        #expect(k.leafOf(p.space, a)?.level == 2)
        try k.setTransparentHugePages(.never)
        let other = try k.mmap(p, MmapRequest(length: 8 << 20))
        let r = try #require(k.reclaimer)
        for i in 0..<UInt64(1800) {
            try k.write(p, other + i * Self.page, i)
            _ = try k.read(p, a + (i % 512) * Self.page)
        }
        #expect(r.counters.swapOuts > 100 && r.counters.skipped > 0)
        #expect(k.hugePages.counters.thpSplitReclaim == 0 && k.leafOf(p.space, a)?.level == 2, "in use: never split")
        // The last access set A again: one more second chance, then the split (two rounds of FIFO).
        for i in 0..<UInt64(3 * 2048) { try k.write(p, other + (i % 2048) * Self.page, i) }
        #expect(k.hugePages.counters.thpSplitReclaim == 1, "left alone: split and swapped out")
        #expect(try k.read(p, a) == 1)
        KernelSwapTests.expectConsistent(k)
    }

    /// A THP parent and child share after fork is split in place in both (no copies) and its
    /// pages go to swap once; each reads every value back, the second reader from the swap cache.
    @Test func aTHPSharedAfterForkIsSplitInBothAndSwappedOnce() throws {
        let (m, k) = try Self.machine(memory: 8 << 20, policy: .fifo)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("thp")
        let a = try Self.area(k, p, Self.huge)
        for i in 0..<UInt64(512) { try k.write(p, a + i * Self.page, Self.value(i)) }
        #expect(k.leafOf(p.space, a)?.level == 2)
        let c = try k.fork(p)
        try k.setTransparentHugePages(.never)
        let other = try k.mmap(p, MmapRequest(length: 8 << 20))
        for i in 0..<UInt64(3 * 2048) { try k.write(p, other + (i % 2048) * Self.page, i) }
        #expect(k.hugePages.counters.thpSplitReclaim == 1)
        #expect(k.leafOf(c.space, a)?.level == 3 && k.leafOf(p.space, a)?.level == 3, "split in both")
        let r = try #require(k.reclaimer)
        KernelSwapTests.expectConsistent(k)
        let (ins, hits) = (r.counters.swapIns, r.counters.cacheHits)
        for i in 0..<UInt64(512) { #expect(try k.read(c, a + i * Self.page) == Self.value(i)) }
        for i in 0..<UInt64(512) { #expect(try k.read(p, a + i * Self.page) == Self.value(i)) }
        #expect(r.counters.swapIns - ins > 0 && r.counters.cacheHits - hits > 0)
        try k.write(c, a, 7)
        #expect(try k.read(p, a) == Self.value(0), "still copy-on-write")
        #expect(try k.read(c, a) == 7)
        KernelSwapTests.expectConsistent(k)
    }

    /// hugetlb pages (the pool) are never evicted: under pressure the process's base pages go to
    /// swap, its hugetlb page stays mapped with its data.
    @Test func hugetlbPagesStayResident() throws {
        let (m, k) = try Self.machine(memory: 8 << 20)
        defer { withExtendedLifetime(m) {} }
        try k.setTransparentHugePages(.never)          // only the hugetlb page is huge
        try k.reserveHugePagePool(pages: 1)
        let p = try k.spawn("pool")
        var r = MmapRequest(length: Self.huge)
        r.hugepage = true
        let h = try k.mmap(p, r)
        for i in stride(from: UInt64(0), to: Self.huge, by: 4096) { try k.write(p, h + i, Self.value(i)) }
        let base = try k.mmap(p, MmapRequest(length: 12 << 20))
        for i in stride(from: UInt64(0), to: 12 << 20, by: 4096) { try k.write(p, base + i, i) }
        #expect(k.reclaimer?.counters.swapOuts ?? 0 > 0)
        let leaf = try #require(k.leafOf(p.space, h))
        #expect(leaf.level == 2 && k.isPresent(leaf.raw), "the hugetlb page is still mapped")
        #expect(k.hugePages.counters.thpSplitReclaim == 0)
        for i in stride(from: UInt64(0), to: Self.huge, by: 4096) { #expect(try k.read(p, h + i) == Self.value(i)) }
        KernelSwapTests.expectConsistent(k)
    }
}

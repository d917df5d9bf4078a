import Testing
@testable import VMLab

/// Issue 9, huge pages at either level: EPT huge pages shorten every EPT walk, guest huge pages
/// shorten the guest walk and so the number of EPT walks. Derivation for an n-level guest on an
/// m-level EPT: the guest reads g entries (g = n, or fewer with a guest huge page: n − 1 for
/// 2 MiB, n − 2 for 1 GiB), each needs an EPT walk of e entries (e = m, m − 1 with 2 MiB EPT
/// pages, m − 2 with 1 GiB), and the data page needs one more: g + (g + 1) × e references.
@Suite struct NestedHugePageTests {
    static let mib: UInt64 = 1 << 20, gib: UInt64 = 1 << 30

    /// (EPT page, guest page, expected cold references).
    static let cases: [(UInt64, UInt64, Int)] = [
        (4096, 4096, 24),            // 4 + 5 × 4
        (2 << 20, 4096, 19),         // 4 + 5 × 3
        (1 << 30, 4096, 14),         // 4 + 5 × 2
        (4096, 2 << 20, 19),         // 3 + 4 × 4
        (2 << 20, 2 << 20, 15),      // 3 + 4 × 3
        (1 << 30, 1 << 30, 8),       // 2 + 3 × 2
    ]

    @Test(arguments: 0..<cases.count)
    func coldWalksFollowTheDerivation(index: Int) throws {
        let (eptPage, guestPage, expected) = Self.cases[index]
        let guestBytes = max(2 * guestPage, 2 * eptPage, 32 * Self.mib)
        let host = try Machine(memoryBytes: 2 * guestBytes, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: guestBytes, mode: .x86_64, eptPageBytes: eptPage)
        let space = try guest.machine.makePageTable()
        let va = Self.gib
        _ = try space.mapFresh(va, pageBytes: guestPage, flags: MapFlags(writable: true, user: true))
        // The step-by-step walk.
        let walk = try guest.translateNested(va: va + 0x123, space: space)
        #expect(walk.fault == nil)
        #expect(walk.references == expected, "EPT \(eptPage), guest \(guestPage)")
        let gpa = try #require(walk.guestPhysicalAddress)
        #expect(try guest.ept.lookup(gpa)?.pageBytes == eptPage)
        // The guest CPU's nested MMU, cold: the same count.
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        let r = try cpu.access(va + 0x123)
        // Splintering: the composed translation is contiguous only over the smaller of the two
        // leaves, so that is the page size the TLB caches.
        #expect(r.references == expected && r.pageBytes == min(guestPage, eptPage))
    }

    @Test func anEPTHugePageIsBackedWholeAndNeverEvicted() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, swapBytes: 32 << 20, eptPageBytes: 2 << 20)
        let before = host.frames.freeFrames
        let pa = try guest.touch(gpa: 0x20_1234)
        #expect(pa & 0x1f_ffff == 0x1234)
        #expect(guest.stats.eptViolations == 1 && guest.stats.hostFrames == 512)
        #expect(before - host.frames.freeFrames == 512 + 2)      // the block, the EPT's PDPT and PD
        #expect(try guest.hostAddress(gpa: 0x3f_f000) == pa - 0x1234 + 0x1f_f000)
        #expect(guest.backing.reclaim(count: .max) == 0)
        #expect(try guest.balloon(bytes: 4096) == 4096 && guest.stats.balloonFreed == 0)
        // Bad sizes: not a page size of the host; guest memory not a whole number of EPT pages.
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, eptPageBytes: 8192) }
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 3 << 20, mode: .x86_64, eptPageBytes: 2 << 20) }
    }

    /// TLB reach: a guest 2 MiB page is one TLB entry, so touching its 512 base pages walks once;
    /// with 4 KiB guest pages every page walks.
    @Test func guestHugePagesExtendTLBReach() throws {
        var walks: [UInt64: Int] = [:]
        for guestPage in [4096, 2 << 20] as [UInt64] {
            let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
            let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, eptPageBytes: 2 << 20)
            let space = try guest.machine.makePageTable()
            try space.mapRange(Self.gib, to: 0x40_0000, length: 2 << 20, pageBytes: guestPage, flags: MapFlags(user: true))
            let cpu = try guest.machine.cpu(0)
            try cpu.switchTo(space)
            for i in 0..<UInt64(512) { _ = try cpu.access(Self.gib + i * 4096) }
            walks[guestPage] = cpu.statistics.walks
        }
        #expect(walks[2 << 20] == 1)
        #expect(walks[4096] == 512)
    }
}

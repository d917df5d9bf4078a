import Testing
@testable import VMLab

/// Issue 9: every VM exit costs its cycles (EPT violations included, with the swap read of a
/// page the host evicted), exits are counted by reason, guest huge pages splinter over smaller
/// EPT pages, and shadow paging emulates the guest's Accessed/Dirty bits with write-protection.
@Suite struct VMExitTests {
    static let page: UInt64 = 4096, mib: UInt64 = 1 << 20, gib: UInt64 = 1 << 30

    /// A 64 MiB x86_64 host and a 32 MiB x86_64 guest (1 MiB of guest swap) in `mode`, a guest
    /// space with `pages` writable user pages at 0x40_0000, guest CPU 0 running it.
    static func guest(_ mode: GuestMode, pages: Int) throws -> (Machine, Guest, PageTable, CPU) {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, guestMode: mode, swapBytes: mib)
        let space = try guest.machine.makePageTable()
        for i in 0..<UInt64(pages) {
            _ = try space.mapFresh(0x40_0000 + i * page, pageBytes: page, flags: MapFlags(writable: true, user: true))
        }
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        return (host, guest, space, cpu)
    }

    /// Cold accesses of a nested guest, by hand (E = exit cycles, M = memory reference,
    /// T = the two TLB levels' lookup cycles, P = a page-walk-cache hit):
    /// - mapping 2 pages writes 4 guest tables (root, PDPT, PD, PT): 4 EPT violations, 4E on
    ///   the guest machine, none on a CPU;
    /// - access 1 (cold): 4 guest PTEs + 4 × 4 EPT entries for the tables + 4 for the data page,
    ///   whose EPT violation is an exit: 24M + T + E;
    /// - access 2 (other page, guest TLB and page-walk caches flushed; the nested page-walk cache
    ///   still holds the 4 table pages): 4 guest PTEs, 4 nested PWC hits, 4 EPT entries for the
    ///   data page and its violation: 8M + 4P + T + E;
    /// - access 3 (the same, again): no violation: 8M + 4P + T;
    /// - the host evicts page 2 (INVEPT empties every cache), access 4: 24 references and a
    ///   violation that reads the page back from swap: 24M + T + E + the swap read latency;
    /// - the host evicts the PT page, access 5 (page 1): the same, the violation met by the
    ///   guest walker's read of the PT entry.
    /// Each access's cycles count once on the guest machine.
    @Test func everyExitCostsItsCycles() throws {
        let (host, guest, space, cpu) = try Self.guest(.nested, pages: 2)
        defer { withExtendedLifetime(space) {} }
        let e = guest.backing.exitCycles, m = host.costs.memoryReference, p = host.costs.pageWalkCacheHit
        let t = host.costs.tlbHit[0] + host.costs.tlbHit[1]
        #expect(guest.stats.eptViolations == 4 && guest.stats.exits == 4 && guest.stats.exitCycles == 4 * e)
        func access(_ va: UInt64, cycles: Int, exits: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let machineBefore = guest.machine.counters.cycles
            let exitsBefore = guest.stats.exits, violationsBefore = guest.stats.eptViolations
            cpu.flushAll()
            let r = try cpu.access(va)
            #expect(r.fault == nil && r.cycles == cycles, sourceLocation: sourceLocation)
            #expect(guest.machine.counters.cycles - machineBefore == cycles, sourceLocation: sourceLocation)
            #expect(guest.stats.exits - exitsBefore == exits && guest.stats.eptViolations - violationsBefore == exits,
                    sourceLocation: sourceLocation)
        }
        try access(0x40_0000, cycles: 24 * m + t + e, exits: 1)
        try access(0x40_1000, cycles: 8 * m + 4 * p + t + e, exits: 1)
        try access(0x40_1000, cycles: 8 * m + 4 * p + t, exits: 0)
        #expect(guest.stats.exitCycles == 6 * e && guest.stats.nestedPWCHits == 8)
        let gpa = try #require(try space.lookup(0x40_1000)).physicalAddress
        #expect(guest.backing.evict(page: gpa / Self.page))
        let swapRead = try #require(guest.backing.swap).readLatency
        try access(0x40_1000, cycles: 24 * m + t + e + swapRead, exits: 1)
        #expect(guest.stats.hostSwapIns == 1 && guest.stats.eptViolations == 7)
        #expect(guest.stats.exitCycles == 7 * e + swapRead)
        // The host evicts the guest's page table (PT) page: the guest walker's own read of its
        // entry is the EPT violation; the access pays it the same: 24M + T + E + the swap read.
        let ptSlot = try #require(try space.walk(0x40_0000, level: space.mode.levels - 1, create: false))
        #expect(guest.backing.evict(page: ptSlot / Self.page))
        try access(0x40_0000, cycles: 24 * m + t + e + swapRead, exits: 1)
        #expect(guest.stats.hostSwapIns == 2 && guest.stats.exitCycles == 8 * e + 2 * swapRead)
        #expect(guest.stats.shadowFaults == 0 && guest.stats.pteWriteExits == 0 && guest.stats.adUpdateExits == 0)
    }

    /// A guest 2 MiB page over 4 KiB EPT pages is contiguous in host memory only per 4 KiB: the
    /// TLB caches 4 KiB pieces, so touching its 512 pieces misses 512 times; over a 2 MiB EPT
    /// page, once. Under shadow paging the shadow holds 4 KiB pages: 512 misses too.
    @Test(arguments: [(GuestMode.nested, 4096 as UInt64, 512), (.nested, 2 << 20, 1), (.shadow, 4096, 512)])
    func aGuestHugePageSplintersOverSmallerEPTPages(mode: GuestMode, eptPage: UInt64, misses: Int) throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, guestMode: mode, eptPageBytes: eptPage)
        let space = try guest.machine.makePageTable()
        try space.mapRange(Self.gib, to: 0x40_0000, length: 2 << 20, pageBytes: 2 << 20, flags: MapFlags(user: true))
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        let pieceBytes = min(eptPage, 2 << 20)
        for i in 0..<UInt64(512) {
            let va = Self.gib + i * Self.page + 0x10
            let r = try cpu.access(va)
            #expect(r.fault == nil && r.physicalAddress == 0x40_0000 + i * Self.page + 0x10)
            #expect(r.pageBytes == (mode == .shadow ? Self.page : pieceBytes))
        }
        #expect(cpu.statistics.walks == misses)
        if mode == .shadow { #expect(guest.stats.shadowFaults == 512) }
        // Hits give the right addresses too (the pieces' bases are right).
        for i in stride(from: UInt64(0), to: 512, by: 37) {
            #expect(try cpu.access(Self.gib + i * Self.page + 0x234).physicalAddress == 0x40_0000 + i * Self.page + 0x234)
        }
    }

    /// A guest 1 GiB page over 2 MiB EPT pages splinters into 2 MiB pieces (the largest guest page
    /// size that fits in the EPT leaf): two addresses in one piece miss once, in two pieces twice.
    @Test func aGuestGigabytePageSplintersInto2MiBPieces() throws {
        let host = try Machine(memoryBytes: 2 * Self.gib, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: Self.gib, mode: .x86_64, eptPageBytes: 2 * Self.mib)
        let space = try guest.machine.makePageTable()
        try space.mapRange(Self.gib, to: 0, length: Self.gib, pageBytes: Self.gib, flags: MapFlags(user: true))
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        let vas: [UInt64] = [Self.gib + 0x1234, Self.gib + 0x1F_F000, Self.gib + 0x20_0010, Self.gib + 0x3FF0_0000]
        for va in vas {
            let r = try cpu.access(va)
            #expect(r.fault == nil && r.physicalAddress == va - Self.gib && r.pageBytes == 2 * Self.mib)
        }
        #expect(cpu.statistics.walks == 3)   // the first two share a 2 MiB piece
    }

    /// Shadow paging and the guest's Accessed/Dirty bits: a read fills a write-protected shadow
    /// entry (A set, the guest PTE clean); the first write traps (`ad_update`) and sets D; later
    /// writes do not trap; the guest clearing D makes the shadow entry read-only again, clearing
    /// A drops it (the next access's shadow fault sets A again).
    @Test func shadowPagingEmulatesAccessedAndDirty() throws {
        let (_, guest, space, cpu) = try Self.guest(.shadow, pages: 1)
        let shadow = try #require(guest.backing.shadow)
        let va: UInt64 = 0x40_0000, e = guest.backing.exitCycles
        let layout = space.mode.layout
        /// The guest PTE's Accessed and Dirty bits and whether the shadow entry is writable (nil: none).
        func state() throws -> (accessed: Bool, dirty: Bool, shadowWritable: Bool?) {
            let pte = try #require(try space.lookup(va)).pte
            return (pte.accessed, pte.dirty, try shadow.table(of: space)?.lookup(va)?.pte.writable)
        }
        var now = try state()
        #expect(!now.accessed && !now.dirty)
        _ = try cpu.access(va)                                        // shadow fault
        #expect(guest.stats.shadowFaults == 1 && guest.stats.adUpdateExits == 0)
        now = try state()
        #expect(now.accessed && !now.dirty && now.shadowWritable == false)   // write-protected: clean
        let exits = guest.stats.exits
        let w = try cpu.access(va + 8, .write)                        // a TLB miss (clean entry): ad_update
        #expect(w.fault == nil && w.cycles >= e)
        #expect(guest.stats.adUpdateExits == 1 && guest.stats.exits == exits + 1)
        now = try state()
        #expect(now.dirty && now.shadowWritable == true)
        #expect(try cpu.access(va + 16, .write).tlbLevel > 0)         // a TLB hit: no exit
        cpu.flushAll()
        #expect(try cpu.access(va + 24, .write).walked)               // a walk, the shadow writable: no exit
        #expect(guest.stats.adUpdateExits == 1 && guest.stats.exits == exits + 1)
        // The guest clears D (a trapped PTE write): re-synced at once, write-protected.
        let slot = try #require(try space.walk(va, level: space.mode.levels - 1, create: false))
        try space.writeEntry(slot, try space.readEntry(slot) & ~layout.dirty)
        now = try state()
        #expect(now.accessed && !now.dirty && now.shadowWritable == false && guest.stats.pteWriteExits > 0)
        // No flush by the guest: the hypervisor flushed the TLB entry it cached, so the write traps.
        _ = try cpu.access(va, .write)
        now = try state()
        #expect(guest.stats.adUpdateExits == 2 && now.dirty && now.shadowWritable == true)
        // The guest clears A and D: the shadow entry goes; a read faults it back, A set, read-only.
        try space.writeEntry(slot, try space.readEntry(slot) & ~(layout.accessed | layout.dirty))
        now = try state()
        #expect(now.shadowWritable == nil)
        cpu.flushAll()
        _ = try cpu.access(va)
        now = try state()
        #expect(guest.stats.shadowFaults == 2 && now.accessed && !now.dirty && now.shadowWritable == false)
        // A write first (shadow miss): one exit, the shadow fault, which sets A and D at once.
        try space.writeEntry(slot, try space.readEntry(slot) & ~(layout.accessed | layout.dirty))
        cpu.flushAll()
        _ = try cpu.access(va, .write)
        now = try state()
        #expect(guest.stats.shadowFaults == 3 && guest.stats.adUpdateExits == 2 && now.dirty && now.shadowWritable == true)
        #expect(guest.stats.exitCycles == guest.stats.exits * e)
    }

    /// A guest kernel under shadow paging with too little memory (its clock clears Accessed bits
    /// through trapped PTE writes, swap-outs rewrite PTEs): the data reads back, the kernel's
    /// invariants hold, every exit is costed, and every shadow entry agrees with its guest PTE —
    /// present only when the guest PTE is present and Accessed, at the composed host address,
    /// writable only when the guest PTE is writable and Dirty.
    @Test func aGuestKernelUnderShadowPagingKeepsTheShadowConsistent() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 1 << 20, mode: .x86_64, guestMode: .shadow)
        let shadow = try #require(guest.backing.shadow)
        let k = try guest.machine.kernel
        try k.enableSwap(bytes: 4 * Self.mib)
        let p = try k.spawn("app")
        let pages: UInt64 = 512
        let buf = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for round in 0..<UInt64(2) {
            for i in 0..<pages { try k.write(p, buf + i * Self.page, i &* 5 &+ round) }
            for i in stride(from: UInt64(0), to: pages, by: 3) { #expect(try k.read(p, buf + i * Self.page) == i &* 5 &+ round) }
        }
        #expect(k.check().isEmpty)
        #expect(k.reclaimer?.counters.swapOuts ?? 0 > 0)
        let stats = guest.stats
        #expect(stats.shadowFaults > 0 && stats.pteWriteExits > 0 && stats.adUpdateExits > 0)
        #expect(stats.exitCycles == stats.exits * guest.backing.exitCycles)
        let table = try #require(shadow.table(of: p.space))
        var present = 0
        for i in 0..<pages {
            let va = buf + i * Self.page
            guard let entry = try table.lookup(va) else { continue }
            present += 1
            let mapping = try #require(try p.space.lookup(va))
            #expect(mapping.pte.present && mapping.pte.accessed)
            #expect(entry.physicalAddress == (try guest.hostAddress(gpa: mapping.physicalAddress)))
            if entry.pte.writable { #expect(mapping.pte.writable && mapping.pte.dirty) }
        }
        #expect(present > 0)
    }
}

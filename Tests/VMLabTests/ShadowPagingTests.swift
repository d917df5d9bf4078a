import Testing
@testable import VMLab

/// Issue 9, shadow paging: shadow tables map guest virtual to host physical; guest PTE writes
/// trap and re-sync them; a TLB miss reads n entries instead of (n+1)(m+1)−1.
@Suite struct ShadowPagingTests {
    static let page: UInt64 = 4096

    /// The composed translation of `va`: the guest's tables, then the hypervisor's gPA → hPA.
    static func composed(_ guest: Guest, _ space: PageTable, _ va: UInt64) throws -> UInt64? {
        guard let gpa = try space.lookup(va)?.physicalAddress else { return nil }
        return try guest.hostAddress(gpa: gpa)
    }

    @Test func aGuestPTEWriteTrapsAndTheShadowIsResynced() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, guestMode: .shadow)
        let shadow = try #require(guest.backing.shadow)
        let space = try guest.machine.makePageTable()
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        let writesBefore = guest.stats.pteWriteExits
        _ = try space.mapFresh(0x40_0000, pageBytes: Self.page, flags: MapFlags(writable: true, user: true))
        // Four guest entries written (PML4E, PDPTE, PDE, PTE): four traps, each an exit.
        #expect(guest.stats.pteWriteExits - writesBefore == 4)
        #expect(shadow.table(of: space) == nil)                        // no miss yet: no shadow
        // The first TLB miss is a hidden page fault: the hypervisor fills the shadow.
        let first = try cpu.access(0x40_0010, .write)
        #expect(first.fault == nil && guest.stats.shadowFaults == 1)
        let table = try #require(shadow.table(of: space))
        #expect(try table.lookup(0x40_0010)?.physicalAddress == (try Self.composed(guest, space, 0x40_0010)))
        #expect(first.cycles >= guest.backing.exitCycles)
        // Later misses walk the shadow: 4 references, no exit, no EPT.
        cpu.flushAll()
        let again = try cpu.access(0x40_0010)
        #expect(again.references == 4 && guest.stats.shadowFaults == 1 && guest.stats.eptReferences == 0)
        // The guest remaps the page to another frame: the PTE writes trap and the shadow follows.
        let exits = guest.stats.pteWriteExits
        try space.unmap(0x40_0000, length: Self.page, freeFrames: true)
        #expect(try table.lookup(0x40_0000) == nil)                    // dropped on the trap
        let newGPA = try space.mapFresh(0x40_0000, pageBytes: Self.page, flags: MapFlags(user: true))
        #expect(guest.stats.pteWriteExits > exits)
        // The new entry's Accessed bit is clear: the hypervisor does not install it (the shadow
        // fault of its first access will set A, as a real shadow MMU does).
        #expect(try table.lookup(0x40_0000) == nil)
        cpu.flushAll()
        #expect(try cpu.access(0x40_0000).fault == nil && guest.stats.shadowFaults == 2)
        #expect(try #require(try space.lookup(0x40_0000)).pte.accessed)
        let hpa = try #require(try table.lookup(0x40_0000))
        #expect(hpa.physicalAddress == (try guest.hostAddress(gpa: newGPA)))
        #expect(hpa.pte.writable == false && hpa.pte.user)
        // Changing permissions traps too, and the trap re-syncs the entry (Accessed now) at once,
        // write-protected: the guest PTE is clean, so its first write must trap to set Dirty.
        try space.protect(0x40_0000, length: Self.page, flags: MapFlags(writable: true, user: true))
        #expect(try table.lookup(0x40_0000)?.pte.writable == false)
        #expect(guest.stats.shadowFaults == 2)                         // re-synced by the trap, no fault
        cpu.flushAll()
        #expect(try cpu.access(0x40_0000, .write).fault == nil && guest.stats.adUpdateExits == 1)
        #expect(try table.lookup(0x40_0000)?.pte.writable == true)
        #expect(guest.stats.exitCycles == guest.stats.exits * guest.backing.exitCycles)
    }

    /// The same guest workload under nested and shadow paging: the same data and TLB behaviour;
    /// nested pays in EPT references, shadow in VM exits.
    @Test func bothModesRunTheSameWorkload() throws {
        var results: [GuestMode: (stats: GuestStats, walks: Int, hits: Int)] = [:]
        for mode in GuestMode.allCases {
            let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
            let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, guestMode: mode)
            let k = try guest.machine.kernel
            let p = try k.spawn("app")
            let buf = try k.mmap(p, MmapRequest(length: 128 * Self.page))
            for round in 0..<UInt64(3) {
                for i in 0..<UInt64(128) { try k.write(p, buf + i * Self.page, i &* 3 &+ round) }
            }
            for i in 0..<UInt64(128) { #expect(try k.read(p, buf + i * Self.page) == i &* 3 &+ 2) }
            #expect(k.check().isEmpty)
            let cpu = try guest.machine.cpu(guest.machine.processors.kernelCPU)
            results[mode] = (guest.stats, cpu.statistics.walks, cpu.statistics.tlbHits)
        }
        let nested = try #require(results[.nested]), shadow = try #require(results[.shadow])
        #expect(nested.walks == shadow.walks && nested.hits == shadow.hits)
        #expect(nested.stats.eptReferences > 0 && shadow.stats.eptReferences == 0)
        #expect(nested.stats.references > 4 * shadow.stats.references / 2)    // nested walks are longer
        #expect(nested.stats.pteWriteExits == 0 && nested.stats.shadowFaults == 0)
        #expect(shadow.stats.pteWriteExits >= 128 && shadow.stats.shadowFaults > 0)
    }

    @Test func hostEvictionEmptiesTheShadows() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, guestMode: .shadow, swapBytes: 32 << 20)
        let k = try guest.machine.kernel
        let p = try k.spawn("app")
        let buf = try k.mmap(p, MmapRequest(length: 4 * Self.page))
        for i in 0..<UInt64(4) { try k.write(p, buf + i * Self.page, i + 7) }
        #expect(guest.backing.shadow?.table(of: p.space) != nil)
        guest.backing.reclaim(count: .max)
        #expect(guest.backing.shadow?.table(of: p.space) == nil)
        for i in 0..<UInt64(4) { #expect(try k.read(p, buf + i * Self.page) == i + 7) }
        let table = try #require(guest.backing.shadow?.table(of: p.space))
        #expect(try table.lookup(buf)?.physicalAddress == (try Self.composed(guest, p.space, buf)))
    }
}

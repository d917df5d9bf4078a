import Testing
@testable import VMLab

/// Issue 9, the nested MMU: a guest CPU's TLB misses make two-dimensional walks (guest tables
/// through the EPT), cut short by the guest's page-walk caches and the nested page-walk cache;
/// the hypervisor's INVEPT drops cached translations when it evicts a page.
@Suite struct NestedMMUTests {
    /// A 64 MiB x86_64 host, a 32 MiB x86_64 guest with `pwc` nested page-walk-cache entries,
    /// and a guest space with 32 user pages at 0x40_0000 running on guest CPU 0.
    static func guestCPU(pwc: Int = 16) throws -> (Machine, Guest, PageTable, CPU) {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, nestedPWCEntries: pwc)
        let space = try guest.machine.makePageTable()
        for i in 0..<UInt64(32) {
            _ = try space.mapFresh(0x40_0000 + i * 4096, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        }
        let cpu = try guest.machine.cpu(0)
        try cpu.switchTo(space)
        return (host, guest, space, cpu)
    }

    @Test func aColdGuestTLBMissReads24Entries() throws {
        let (host, guest, space, cpu) = try Self.guestCPU()
        let hostWalks = host.counters.walks
        let r = try cpu.access(0x40_0123, .write)
        #expect(r.fault == nil && r.walked)
        #expect(r.references == 24)
        let memoryReference = host.costs.memoryReference
        // 24 references, the two TLB levels' lookups, and one VM exit: the data page, never
        // written, had no host frame — its first EPT walk faulted (an EPT violation, an exit) and
        // was retried. (The 4 table pages were backed by the guest's own writes, before.)
        #expect(r.cycles == 24 * memoryReference + (host.costs.tlbHit.first ?? 0) + (host.costs.tlbHit.dropFirst().first ?? 0)
                + guest.backing.exitCycles)
        #expect(host.counters.walks - hostWalks == 6)
        #expect(guest.stats.eptViolations == 5 && guest.stats.exits == 5 && guest.stats.exitCycles == 5 * guest.backing.exitCycles)
        #expect(r.physicalAddress == (try space.lookup(0x40_0123))?.physicalAddress)
        #expect(guest.stats.eptReferences == 20 && guest.stats.references == 24 && guest.stats.nestedWalks == 1)
        // The same as the step-by-step walk of a cold nested walk.
        #expect(try guest.translateNested(va: 0x40_0123, space: space).references == 24)
    }

    @Test func cachesShortenLaterWalks() throws {
        let (_, guest, space, cpu) = try Self.guestCPU()
        defer { withExtendedLifetime(space) {} }
        _ = try cpu.access(0x40_0000)
        // A TLB hit: no walk at all.
        #expect(try cpu.access(0x40_0008).references == 0)
        // The neighbouring page: the guest PWC skips root, PDPT and PD (1 guest reference); the
        // nested PWC knows the PT page's host frame (0 EPT references); the data page: 4.
        let next = try cpu.access(0x40_1000)
        #expect(next.references == 5)
        #expect(next.pageWalkCacheLevel == 2)
        #expect(guest.stats.nestedPWCHits == 1)
        // Without a nested PWC the PT page needs its EPT walk too: 1 + 4 + 4.
        let (_, plain, plainSpace, plainCPU) = try Self.guestCPU(pwc: 0)
        defer { withExtendedLifetime(plainSpace) {} }
        _ = try plainCPU.access(0x40_0000)
        #expect(try plainCPU.access(0x40_1000).references == 9)
        #expect(plain.stats.nestedPWCHits == 0)
    }

    @Test func hostEvictionFlushesGuestTranslations() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, swapBytes: 32 << 20)
        let k = try guest.machine.kernel
        let p = try k.spawn("app")
        let buf = try k.mmap(p, MmapRequest(length: 8 * 4096))
        for i in 0..<UInt64(8) { try k.write(p, buf + i * 4096, i + 100) }
        let cpu = try guest.machine.cpu(guest.machine.processors.kernelCPU)
        let hitsBefore = cpu.statistics.tlbHits
        #expect(try k.read(p, buf) == 100)
        #expect(cpu.statistics.tlbHits == hitsBefore + 1)      // cached
        let evicted = guest.backing.reclaim(count: .max)
        #expect(evicted > 0 && guest.stats.inveptFlushes == evicted)
        // INVEPT dropped the entry: the next access walks (24 references, everything cold) and
        // each page on the way is an EPT violation that reads it back.
        let walksBefore = cpu.statistics.walks, inBefore = guest.stats.hostSwapIns
        #expect(try k.read(p, buf) == 100)
        #expect(cpu.statistics.walks == walksBefore + 1)
        #expect(guest.stats.hostSwapIns - inBefore == 5)
        #expect(k.check().isEmpty)
    }

    /// Guest processes run through the nested MMU: their accesses count guest TLB hits and
    /// misses, and their misses count EPT references.
    @Test func guestProcessesRunThroughTheNestedMMU() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64)
        let k = try guest.machine.kernel
        let p = try k.spawn("app")
        let buf = try k.mmap(p, MmapRequest(length: 64 * 4096))
        for round in 0..<2 {
            for i in 0..<UInt64(64) { try k.write(p, buf + i * 4096, i &+ UInt64(round)) }
        }
        let cpu = try guest.machine.cpu(guest.machine.processors.kernelCPU)
        #expect(cpu.statistics.walks > 0 && cpu.statistics.tlbHits > 0)
        #expect(guest.stats.eptReferences > 0)
        #expect(guest.stats.nestedWalks == cpu.statistics.walks)
        for i in 0..<UInt64(64) { #expect(try k.read(p, buf + i * 4096) == i + 1) }
    }
}

import Testing
@testable import VMLab

/// Issue 9: guest TLB entries tagged with a VMID in the host CPU's structures. Host and guest
/// share entries (they compete for them) without flushing on a VM switch, a lookup never uses
/// another VM's entry (global ones included), and each VM's flushes and INVEPT leave the
/// other's entries.
@Suite struct GuestTLBSharingTests {
    static let page: UInt64 = 4096
    static let user = MapFlags(writable: true, user: true)

    /// A 64 MiB x86_64 host whose CPUs have one fully associative 8-entry TLB and no page-walk
    /// cache, and a host space with `pages` user pages at 0x40_0000 running on host CPU 0.
    static func host(cpus: Int = 1, pages: UInt64 = 4) throws -> (Machine, PageTable) {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        try host.configureProcessors(ProcessorConfiguration(
            cpus: cpus, tlb: [TLBLevelConfiguration(name: "L1", entries: 8, ways: 0)], pageWalkCache: nil))
        let space = try host.makePageTable()
        for i in 0..<pages { _ = try space.mapFresh(0x40_0000 + i * page, pageBytes: page, flags: user) }
        try host.cpus[0].switchTo(space)
        return (host, space)
    }

    /// A 16 MiB guest of `host` with a space of `pages` user pages at 0x40_0000 (the same
    /// virtual addresses as the host's) running on its CPU 0.
    static func guest(of host: Machine, pages: UInt64 = 4, sharing: GuestTLBSharing? = nil) throws -> (Guest, PageTable) {
        let guest = try Guest(host: host, memoryBytes: 16 << 20, mode: .x86_64, tlbSharing: sharing)
        let space = try guest.machine.makePageTable()
        for i in 0..<pages { _ = try space.mapFresh(0x40_0000 + i * page, pageBytes: page, flags: user) }
        try guest.machine.cpus[0].switchTo(space)
        return (guest, space)
    }

    /// Accesses `pages` pages from 0x40_0000 on `cpu`; returns how many hit the TLB.
    static func sweep(_ cpu: CPU, pages: UInt64) throws -> Int {
        var hits = 0
        for i in 0..<pages where try cpu.access(0x40_0000 + i * page).tlbLevel > 0 { hits += 1 }
        return hits
    }

    @Test func aGuestSharesTheHostCPUsStructuresByDefault() throws {
        let (host, hostSpace) = try Self.host()
        let (guest, guestSpace) = try Self.guest(of: host)
        defer { withExtendedLifetime((hostSpace, guestSpace)) {} }
        #expect(guest.tlbSharing == .shared && guest.vmid == 1)
        #expect(guest.machine.cpus[0].tlbs[0] === host.cpus[0].tlbs[0])
        #expect(guest.machine.cpus[0].vmid == 1 && host.cpus[0].vmid == 0)
        // The same virtual pages in both VMs: each VM's entries translate to its own pages.
        _ = try Self.sweep(host.cpus[0], pages: 4)
        _ = try Self.sweep(guest.machine.cpus[0], pages: 4)
        let entries = host.cpus[0].tlbs[0].dump()
        #expect(entries.filter { $0.vmid == 0 }.count == 4 && entries.filter { $0.vmid == 1 }.count == 4)
        // A VM switch flushes nothing: both VMs hit on every page now.
        #expect(try Self.sweep(host.cpus[0], pages: 4) == 4)
        #expect(try Self.sweep(guest.machine.cpus[0], pages: 4) == 4)
        for i in 0..<UInt64(4) {
            let va = 0x40_0000 + i * Self.page
            #expect(try host.cpus[0].access(va).physicalAddress == (try hostSpace.lookup(va))?.physicalAddress)
            // A guest's composed translation: the guest-physical page its own tables give.
            #expect(try guest.machine.cpus[0].access(va).physicalAddress == (try guestSpace.lookup(va))?.physicalAddress)
        }
        #expect(host.processors.checkTranslations().isEmpty)
        #expect(guest.machine.processors.checkTranslations().isEmpty)
    }

    @Test func hostAndGuestCompeteForEntries() throws {
        // 8 entries: the guest's 8 pages push the host's 4 out; with private structures they stay.
        for sharing in [GuestTLBSharing.shared, .private] {
            let (host, hostSpace) = try Self.host()
            let (guest, guestSpace) = try Self.guest(of: host, pages: 8, sharing: sharing)
            defer { withExtendedLifetime((hostSpace, guestSpace)) {} }
            _ = try Self.sweep(host.cpus[0], pages: 4)
            _ = try Self.sweep(guest.machine.cpus[0], pages: 8)
            #expect(try Self.sweep(host.cpus[0], pages: 4) == (sharing == .shared ? 0 : 4), "\(sharing)")
        }
    }

    @Test func aHostGlobalPageIsNeverAGuestHit() throws {
        let (host, hostSpace) = try Self.host(pages: 0)
        _ = try hostSpace.mapFresh(0x40_0000, pageBytes: Self.page, flags: MapFlags(writable: true, user: true, global: true))
        let (guest, guestSpace) = try Self.guest(of: host, pages: 1)
        defer { withExtendedLifetime((hostSpace, guestSpace)) {} }
        _ = try host.cpus[0].access(0x40_0000)
        let r = try guest.machine.cpus[0].access(0x40_0000)
        #expect(r.tlbLevel == 0, "the host's global entry must not serve the guest")
        #expect(r.physicalAddress == (try guestSpace.lookup(0x40_0000))?.physicalAddress)
    }

    @Test func eachVMsFlushesLeaveTheOthersEntries() throws {
        let (host, hostSpace) = try Self.host()
        let (guest, guestSpace) = try Self.guest(of: host)
        defer { withExtendedLifetime((hostSpace, guestSpace)) {} }
        let hostCPU = host.cpus[0], guestCPU = guest.machine.cpus[0]
        let tlb = hostCPU.tlbs[0]
        func count(_ vmid: Int) -> Int { tlb.dump().filter { $0.vmid == vmid }.count }
        _ = try Self.sweep(hostCPU, pages: 4)
        _ = try Self.sweep(guestCPU, pages: 4)
        // The guest's flushes (a CR3 write without PCIDs, a full flush, INVLPG of a page).
        guestCPU.invlpg(0x40_0000, asid: guestCPU.currentTag)
        #expect(count(1) == 3 && count(0) == 4)
        guestCPU.flushAll()
        #expect(count(1) == 0 && count(0) == 4)
        // INVEPT (the hypervisor removed an EPT mapping) drops the guest's entries only.
        _ = try Self.sweep(guestCPU, pages: 4)
        guest.backing.invalidateTranslations()
        #expect(count(1) == 0 && count(0) == 4)
        // The host's flushes leave the guest's.
        _ = try Self.sweep(guestCPU, pages: 4)
        hostCPU.flushAll()
        #expect(count(1) == 4 && count(0) == 0)
        _ = try Self.sweep(hostCPU, pages: 4)
        hostCPU.flush(asid: hostCPU.currentTag)
        hostCPU.flushNonGlobal()
        #expect(count(1) == 4 && count(0) == 0)
        // The structure's own flush (t:flush{global=true}) is the hardware's: every entry.
        tlb.flushAll()
        #expect(tlb.validCount == 0)
    }

    @Test func aGuestThatIsGoneTakesItsEntriesAndItsVMIDIsReused() throws {
        let (host, hostSpace) = try Self.host()
        defer { withExtendedLifetime(hostSpace) {} }
        do {
            let (first, firstSpace) = try Self.guest(of: host)
            let (second, secondSpace) = try Self.guest(of: host)
            defer { withExtendedLifetime((firstSpace, secondSpace)) {} }
            #expect(first.vmid == 1 && second.vmid == 2)
            _ = try Self.sweep(first.machine.cpus[0], pages: 4)
            _ = try Self.sweep(second.machine.cpus[0], pages: 4)
            #expect(host.cpus[0].tlbs[0].validCount == 8)
        }
        // Both guests are gone: their entries went with them, so a new guest with VMID 1 finds
        // none of the old guest's translations.
        #expect(host.cpus[0].tlbs[0].validCount == 0)
        let (third, thirdSpace) = try Self.guest(of: host)
        defer { withExtendedLifetime(thirdSpace) {} }
        #expect(third.vmid == 1)
        #expect(try Self.sweep(third.machine.cpus[0], pages: 4) == 0)
    }

    @Test func everyVMIDFindsItsOwnEntries() throws {
        // VMIDs above 3 reach the tag bits that sit where an entry's flags are: each guest must
        // still hit its own entry and never another's.
        let (host, hostSpace) = try Self.host(pages: 0)
        defer { withExtendedLifetime(hostSpace) {} }
        var guests: [(Guest, PageTable)] = []
        for _ in 0..<7 { guests.append(try Self.guest(of: host, pages: 1)) }
        #expect(guests.map(\.0.vmid) == Array(1...7))
        for (guest, _) in guests { #expect(try Self.sweep(guest.machine.cpus[0], pages: 1) == 0) }
        for (guest, space) in guests {
            let r = try guest.machine.cpus[0].access(0x40_0000)
            #expect(r.tlbLevel > 0, "VMID \(guest.vmid) hits its entry")
            #expect(r.physicalAddress == (try space.lookup(0x40_0000))?.physicalAddress)
        }
        #expect(host.cpus[0].tlbs[0].dump().map(\.vmid).sorted() == Array(1...7))
    }

    @Test func sharingNeedsMatchingHardware() throws {
        let (host, hostSpace) = try Self.host(cpus: 1)
        defer { withExtendedLifetime(hostSpace) {} }
        // More virtual CPUs than host CPUs, another geometry, or hardware of its own: private,
        // and an explicit request to share says why not.
        #expect(throws: VMError.self) {
            try Guest(host: host, memoryBytes: 4 << 20, mode: .x86_64, processors: ProcessorConfiguration(cpus: 2), tlbSharing: .shared)
        }
        #expect(try Guest(host: host, memoryBytes: 4 << 20, mode: .x86_64, processors: ProcessorConfiguration(cpus: 2)).tlbSharing == .private)
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 4 << 20, mode: .sv39, tlbSharing: .shared) }
        #expect(try Guest(host: host, memoryBytes: 4 << 20, mode: .sv39).tlbSharing == .private)
        let own = ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "G", entries: 16, ways: 4)])
        #expect(try Guest(host: host, memoryBytes: 4 << 20, mode: .x86_64, processors: own).tlbSharing == .private)
        // A failed guest gave its VMID back.
        #expect(try Guest(host: host, memoryBytes: 4 << 20, mode: .x86_64).vmid == 1)
        // The host's CPUs cannot be replaced under a guest.
        let guest = try Guest(host: host, memoryBytes: 4 << 20, mode: .x86_64)
        #expect(throws: VMError.self) { try host.configureProcessors(ProcessorConfiguration(cpus: 2)) }
        withExtendedLifetime(guest) {}
    }

    @Test func guestKernelWorkloadKeepsBothMachinesConsistent() throws {
        // A guest kernel under host swap (INVEPT on every host eviction) beside a host process,
        // sharing CPU 0's structures: data intact, every check clean.
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let hostKernel = try host.kernel
        let hostProcess = try hostKernel.spawn("host-app")
        let hostBuffer = try hostKernel.mmap(hostProcess, MmapRequest(length: 16 * Self.page))
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64, swapBytes: 32 << 20, limitFrames: 48)
        #expect(guest.tlbSharing == .shared)
        let k = try guest.machine.kernel
        let p = try k.spawn("guest-app")
        let buffer = try k.mmap(p, MmapRequest(length: 64 * Self.page))
        for round in 0..<UInt64(3) {
            for i in 0..<UInt64(64) { try k.write(p, buffer + i * Self.page, round * 1000 + i) }
            for i in 0..<UInt64(16) { try hostKernel.write(hostProcess, hostBuffer + i * Self.page, round * 2000 + i) }
            for i in 0..<UInt64(64) { #expect(try k.read(p, buffer + i * Self.page) == round * 1000 + i) }
            for i in 0..<UInt64(16) { #expect(try hostKernel.read(hostProcess, hostBuffer + i * Self.page) == round * 2000 + i) }
            #expect(host.processors.checkTranslations().isEmpty)
            #expect(guest.machine.processors.checkTranslations().isEmpty)
            #expect(k.check().isEmpty && hostKernel.check().isEmpty)
        }
        #expect(guest.stats.hostSwapOuts > 0)
    }
}

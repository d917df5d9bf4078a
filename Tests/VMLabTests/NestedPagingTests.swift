import Testing
@testable import VMLab

/// Issue 9, nested paging: the two-dimensional walk of a guest virtual address through the
/// guest's tables and the host's EPT, its reference counts and order, and lazy EPT backing.
@Suite struct NestedPagingTests {
    /// A guest of `guestBytes` in `guestMode` on a 64 MiB host in `hostMode`, with one user page
    /// mapped read-write at 0x40_0000 in a fresh guest address space.
    func guestWithPage(host hostMode: PagingMode, guest guestMode: PagingMode, guestBytes: UInt64 = 32 << 20)
        throws -> (Machine, Guest, PageTable) {
        let host = try Machine(memoryBytes: 64 << 20, mode: hostMode)
        let guest = try Guest(host: host, memoryBytes: guestBytes, mode: guestMode)
        let space = try guest.machine.makePageTable()
        _ = try space.mapFresh(0x40_0000, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        return (host, guest, space)
    }

    /// Checks the count and the documented order: per guest level, m EPT references (host levels
    /// 0…m−1) then the guest PTE; then m EPT references for the data page (guest level n).
    func expectOrder(_ walk: NestedWalk, guestLevels n: Int, hostLevels m: Int,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        var expected: [(NestedStep.Kind, Int, Int?)] = []
        for k in 0...n {
            for h in 0..<m { expected.append((.ept, k, h)) }
            if k < n { expected.append((.guestPTE, k, nil)) }
        }
        #expect(walk.references == (n + 1) * (m + 1) - 1, sourceLocation: sourceLocation)
        #expect(walk.steps.map(\.kind) == expected.map(\.0), sourceLocation: sourceLocation)
        #expect(walk.steps.map(\.guestLevel) == expected.map(\.1), sourceLocation: sourceLocation)
        #expect(walk.steps.map(\.hostLevel) == expected.map(\.2), sourceLocation: sourceLocation)
    }

    @Test func coldX86OnX86Makes24ReferencesInOrder() throws {
        let (host, guest, space) = try guestWithPage(host: .x86_64, guest: .x86_64)
        let hostWalksBefore = host.counters.walks
        let walk = try guest.translateNested(va: 0x40_0123, access: .write, space: space)
        #expect(walk.fault == nil)
        expectOrder(walk, guestLevels: 4, hostLevels: 4)
        #expect(walk.eptReferences == 20 && walk.guestReferences == 4)
        // 24 references and one VM exit: the data page's EPT violation (see below).
        #expect(walk.cycles == 24 * host.costs.memoryReference + guest.backing.exitCycles)
        #expect(host.counters.walks - hostWalksBefore == 5)     // one EPT walk per guest-physical address
        // Final addresses: the guest's own lookup gives the gPA, the EPT's lookup the host PA.
        let gpa = try #require(try space.lookup(0x40_0123)).physicalAddress
        #expect(walk.guestPhysicalAddress == gpa)
        #expect(walk.physicalAddress == (try guest.ept.lookup(gpa))?.physicalAddress)
        #expect(walk.physicalAddress.map { $0 & 0xfff } == 0x123)
        // Each guest PTE step reads the guest walker's entry at its host-physical address.
        let guestSteps = space.walk(0x40_0123).steps
        let pteSteps = walk.steps.filter { $0.kind == .guestPTE }
        #expect(pteSteps.map(\.guestPhysicalAddress) == guestSteps.map(\.pteAddress))
        for step in pteSteps {
            #expect(step.physicalAddress == (try guest.ept.lookup(step.guestPhysicalAddress))?.physicalAddress)
        }
        // Each EPT group is the EPT's own walk of that guest-physical address.
        let lastGroup = walk.steps.suffix(4)
        #expect(lastGroup.allSatisfy { $0.guestPhysicalAddress == gpa })
        #expect(lastGroup.map(\.physicalAddress) == guest.ept.walk(gpa, privilege: .supervisor).steps.map(\.pteAddress))
        // Root, PDPT, PD, PT and the data page are five distinct guest pages: five EPT violations.
        // The guest's writes of its own tables (mapFresh) backed the four table pages; the walk
        // itself backs the data page, which nobody wrote.
        #expect(walk.eptViolations == 1)
        // Each EPT violation is a VM exit of `exitCycles`.
        var expected = GuestStats(eptViolations: 5, hostFrames: 5, nestedWalks: 1, references: 24)
        expected.exitCycles = 5 * guest.backing.exitCycles
        #expect(guest.stats == expected)
        // The write set Dirty in the guest's leaf.
        #expect(try #require(try space.lookup(0x40_0000)).pte.dirty)
    }

    /// 5-level on 5-level = 35, Sv39 on a 3-level G-stage = 15, and mixed depths: a 4-level
    /// guest on a 5-level EPT = 29, Sv39 on a 4-level G-stage = 19.
    @Test(arguments: [("x86_64_la57", "x86_64_la57", 35), ("sv39", "sv39", 15), ("x86_64_la57", "x86_64", 29), ("sv48", "sv39", 19)])
    func otherDepthsFollowTheFormula(hostName: String, guestName: String, references: Int) throws {
        let hostMode = try PagingMode.named(hostName), guestMode = try PagingMode.named(guestName)
        let (_, guest, space) = try guestWithPage(host: hostMode, guest: guestMode)
        let walk = try guest.translateNested(va: 0x40_0010, space: space)
        #expect(walk.fault == nil)
        expectOrder(walk, guestLevels: guestMode.levels, hostLevels: hostMode.levels)
        #expect(walk.references == references)
        let gpa = try #require(walk.guestPhysicalAddress)
        #expect(gpa == (try space.lookup(0x40_0010))?.physicalAddress)
        #expect(walk.physicalAddress == (try guest.ept.lookup(gpa))?.physicalAddress)
    }

    @Test func aSecondWalkCostsTheSameButAllocatesNothing() throws {
        let (host, guest, space) = try guestWithPage(host: .x86_64, guest: .x86_64)
        let first = try guest.translateNested(va: 0x40_0123, space: space)
        let free = host.frames.freeFrames
        let second = try guest.translateNested(va: 0x40_0123, space: space)
        // No TLB or page-walk cache in the nested walk: the same 24 references again.
        #expect(second.references == 24)
        #expect(second.eptViolations == 0)
        #expect(second.physicalAddress == first.physicalAddress)
        #expect(host.frames.freeFrames == free)
        var expected = GuestStats(eptViolations: 5, hostFrames: 5, nestedWalks: 2, references: 48)
        expected.exitCycles = 5 * guest.backing.exitCycles   // the five EPT violations' exits, all in the first walk
        #expect(guest.stats == expected)
    }

    @Test func hostFramesAreAllocatedLazily() throws {
        let host = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let before = host.frames.freeFrames
        let guest = try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64)
        // An untouched guest costs the EPT root only, however big its memory.
        #expect(before - host.frames.freeFrames == 1)
        #expect(guest.stats.hostFrames == 0 && guest.stats.eptViolations == 0)
        #expect(try guest.hostAddress(gpa: 0x1234) == nil)
        // The first touch: one data frame plus the EPT's PDPT, PD and PT pages.
        let pa = try guest.touch(gpa: 0x1234)
        #expect(pa & 0xfff == 0x234)
        #expect(before - host.frames.freeFrames == 5)
        #expect(guest.stats.eptViolations == 1 && guest.stats.hostFrames == 1)
        #expect(try guest.hostAddress(gpa: 0x1000) == pa - 0x234)
        // Touching the same page again changes nothing; a neighbour costs one frame.
        #expect(try guest.touch(gpa: 0x1ff8) == pa - 0x234 + 0xff8)
        #expect(before - host.frames.freeFrames == 5)
        _ = try guest.touch(gpa: 0x2000)
        #expect(before - host.frames.freeFrames == 6)
        #expect(guest.stats.eptViolations == 2 && guest.ept.mappedBytes == 8192)
        #expect(try host.memory.info(frame: pa >> 12).state == .user)
        // Guest-physical addresses beyond guest memory are refused.
        #expect(throws: VMError.self) { try guest.touch(gpa: 32 << 20) }
    }

    @Test func guestPageFaultsStopTheWalk() throws {
        let (_, guest, space) = try guestWithPage(host: .x86_64, guest: .x86_64)
        // Unmapped: the guest's PDPT entry for this address is not present (the root entry exists).
        let unmapped = try guest.translateNested(va: 0x7f00_0000_0000, space: space)
        guard case let .guest(fault)? = unmapped.fault else { Issue.record("no guest fault: \(unmapped)"); return }
        #expect(fault.reason == .notPresent && fault.level == 0)
        #expect(unmapped.references == 5)            // 4 EPT + the root entry
        #expect(unmapped.physicalAddress == nil && unmapped.guestPhysicalAddress == nil)
        // Protection: kernel-only page read from user mode; all four levels read, no data EPT walk.
        _ = try space.mapFresh(0x80_0000, pageBytes: 4096, flags: MapFlags(writable: true))
        let kernel = try guest.translateNested(va: 0x80_0000, privilege: .user, space: space)
        guard case let .guest(denied)? = kernel.fault else { Issue.record("no guest fault: \(kernel)"); return }
        #expect(denied.reason == .supervisorOnly)
        #expect(kernel.references == 20)
        #expect(try guest.translateNested(va: 0x80_0000, privilege: .supervisor, space: space).references == 24)
        // Non-canonical: the guest walker reads nothing.
        let wild = try guest.translateNested(va: 0x8000_0000_0000, space: space)
        #expect(wild.references == 0)
        guard case let .guest(canonical)? = wild.fault else { Issue.record("no guest fault: \(wild)"); return }
        #expect(canonical.reason == .nonCanonical)
        #expect(wild.fault?.description.contains("non-canonical") == true)
    }

    @Test func anEPTViolationTheHostCannotServeIsAnEPTFault() throws {
        // 8 host frames: the EPT root, its 3 lower tables, then 4 data frames — the guest's
        // root, PDPT, PD and PT fit, its data page does not.
        let host = try Machine(memoryBytes: 32 << 10, mode: .x86_64)
        let guest = try Guest(host: host, memoryBytes: 32 << 10, mode: .x86_64)
        let space = try guest.machine.makePageTable()
        let gpa = try space.mapFresh(0x40_0000, pageBytes: 4096, flags: MapFlags(user: true))
        let walk = try guest.translateNested(va: 0x40_0000, space: space)
        guard case let .ept(at, reason)? = walk.fault else { Issue.record("no EPT fault: \(walk)"); return }
        #expect(at == gpa)
        #expect(reason.contains("out of physical memory"))
        #expect(walk.references == 20)
        #expect(walk.guestPhysicalAddress == gpa && walk.physicalAddress == nil)
        #expect(walk.fault?.description.contains("EPT fault") == true)
    }

    @Test func badInputIsRefused() throws {
        let host = try Machine(memoryBytes: 16 << 20, mode: .x86_64)
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 32 << 20, mode: .x86_64) }
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 0, mode: .x86_64) }
        #expect(throws: VMError.self) { try Guest(host: host, memoryBytes: 4097, mode: .x86_64) }
        let tiny = try PagingMode(name: "tiny", architecture: .x86, pageBits: 5, levelBits: [5, 5], levelNames: ["PD", "PT"],
                                  leafAllowed: [false, true], pteBytes: 1, canonical: .zeroExtended, physicalAddressBits: 15,
                                  layout: PagingMode.x86_32.layout)
        do {
            _ = try Guest(host: host, memoryBytes: 1024, mode: tiny)
            Issue.record("a guest with 32-byte pages on a 4 KiB host was accepted")
        } catch {
            #expect(error.description.contains("same page size"))
        }
        // A space of another machine, and a released one, are refused.
        let guest = try Guest(host: host, memoryBytes: 8 << 20, mode: .x86_64)
        let hostSpace = try host.makePageTable()
        #expect(throws: VMError.self) { try guest.translateNested(va: 0, space: hostSpace) }
        let released = try guest.machine.makePageTable()
        try released.release()
        #expect(throws: VMError.self) { try guest.translateNested(va: 0, space: released) }
    }
}

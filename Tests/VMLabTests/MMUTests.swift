#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VMLab

@Suite struct MMUTests {
    typealias S = TLBTestSupport
    static let l1 = [TLBLevelConfiguration(name: "L1", entries: 64, ways: 0)]

    /// Runs `rounds` rounds of: for each space, switch to it and touch its 16 pages. Returns the
    /// walks of each slice.
    static func alternate(_ m: Machine, _ spaces: [PageTable], rounds: Int) throws -> [Int] {
        let cpu = try m.cpu(0)
        var walks: [Int] = []
        for _ in 0..<rounds {
            for space in spaces {
                try cpu.switchTo(space)
                let before = cpu.statistics.walks
                _ = try cpu.run((0..<16).map { Access(.read, address: S.base + UInt64($0) * 4096) })
                walks.append(cpu.statistics.walks - before)
            }
        }
        return walks
    }

    @Test func aMachineWithCPUsIsFreedWhenDropped() throws {
        weak var dropped: Machine?
        do {
            let m = try S.machine(tlb: Self.l1, pcid: true)
            let space = try S.space(m, pages: 4)
            try m.cpu(0).switchTo(space)
            _ = try m.cpu(0).access(S.base)
            dropped = m
        }
        #expect(dropped == nil, "the CPUs must not keep their machine alive")
    }

    @Test func flushOnSwitchRefillsEveryTime() throws {
        let m = try S.machine(tlb: Self.l1, pcid: false)
        let a = try S.space(m, pages: 16), b = try S.space(m, pages: 16)
        #expect(try Self.alternate(m, [a, b], rounds: 5) == Array(repeating: 16, count: 10))
        #expect(m.processors.stats.contextSwitches == 10)
        #expect(try m.cpu(0).statistics.cycles >= 10 * m.costs.contextSwitch)
    }

    @Test func pcidEntriesSurviveSwitches() throws {
        let m = try S.machine(tlb: Self.l1, pcid: true)
        let a = try S.space(m, pages: 16), b = try S.space(m, pages: 16)
        #expect(try Self.alternate(m, [a, b], rounds: 5) == [16, 16] + Array(repeating: 0, count: 8))
        #expect(a.asid == 1 && b.asid == 2)
        #expect(try m.cpu(0).tlb(named: "L1").dump().map(\.asid).sorted() == Array(repeating: 1, count: 16) + Array(repeating: 2, count: 16))
    }

    @Test func smallASIDSpaceRollsOverAsDocumented() throws {
        // asidBits = 2: ASIDs 1, 2, 3. Five processes round-robin: switch k gets ASID k mod 3 + 1,
        // and switches 3, 6, 9, … roll over (one flush each); every slice refills.
        let m = try S.machine(tlb: Self.l1, pcid: true, asidBits: 2)
        let spaces = try (0..<5).map { _ in try S.space(m, pages: 16) }
        let cpu = try m.cpu(0)
        var asids: [Int] = []
        for k in 0..<20 {
            try cpu.switchTo(spaces[k % 5])
            asids.append(cpu.currentTag)
        }
        #expect(asids == (0..<20).map { $0 % 3 + 1 })
        #expect(m.processors.stats.asidRollovers == 6)
        // Slices: every one walks all 16 pages (each switch brings a new ASID or a flush).
        let m2 = try S.machine(tlb: Self.l1, pcid: true, asidBits: 2)
        let five = try (0..<5).map { _ in try S.space(m2, pages: 16) }
        #expect(try Self.alternate(m2, five, rounds: 4) == Array(repeating: 16, count: 20))
        #expect(m2.processors.stats.asidRollovers == 6)
        // Three processes fit in three ASIDs: no rollover, entries survive.
        let m3 = try S.machine(tlb: Self.l1, pcid: true, asidBits: 2)
        let three = try (0..<3).map { _ in try S.space(m3, pages: 16) }
        #expect(try Self.alternate(m3, three, rounds: 3) == [16, 16, 16] + Array(repeating: 0, count: 6))
        #expect(m3.processors.stats.asidRollovers == 0)
    }

    @Test func rolloverKeepsASIDsOfSpacesRunningElsewhere() throws {
        let m = try S.machine(cpus: 2, tlb: Self.l1, pcid: true, asidBits: 1)   // one ASID
        let a = try S.space(m, pages: 4), b = try S.space(m, pages: 4)
        try m.cpu(1).switchTo(a)
        #expect(a.asid == 1)
        try m.cpu(0).switchTo(b)          // rollover: a keeps ASID 1 (runs on CPU 1)... and none is left
        #expect(m.processors.stats.asidRollovers >= 1)
        _ = try m.cpu(1).access(S.base)
        #expect(try m.cpu(1).access(S.base).tlbLevel == 1)
    }

    @Test func globalPagesSurviveSwitches() throws {
        let m = try S.machine(tlb: Self.l1, pcid: false)
        let kernelVA: UInt64 = 0xffff_8000_0000_0000
        let a = try m.makePageTable(), b = try m.makePageTable()
        for s in [a, b] { try s.map(kernelVA, to: 0x5000, pageBytes: 4096, flags: MapFlags(writable: true, global: true)) }
        let cpu = try m.cpu(0)
        try cpu.switchTo(a)
        _ = try cpu.access(kernelVA, .write, privilege: .supervisor)
        try cpu.switchTo(b)
        #expect(try cpu.access(kernelVA, .write, privilege: .supervisor).tlbLevel == 1)
        try cpu.switchTo(a, flushGlobal: true)
        #expect(try cpu.access(kernelVA, .write, privilege: .supervisor).walked)
        cpu.flushNonGlobal()
        #expect(try cpu.tlb(named: "L1").validCount == 1)
        cpu.flushAll()
        #expect(try cpu.tlb(named: "L1").validCount == 0)
    }

    @Test func explicitInvalidation() throws {
        let m = try S.machine(tlb: Self.l1, pcid: true)
        let a = try S.space(m, pages: 4), b = try S.space(m, pages: 4)
        let cpu = try m.cpu(0)
        for s in [a, b] {
            try cpu.switchTo(s)
            for p: UInt64 in 0..<4 { _ = try cpu.access(S.base + p * 4096) }
        }
        let l1 = try cpu.tlb(named: "L1")
        #expect(l1.validCount == 8)
        cpu.invlpg(S.base + 4096, asid: a.asid)
        #expect(l1.validCount == 7)
        cpu.flush(asid: b.asid)
        #expect(l1.validCount == 3 && l1.dump().allSatisfy { $0.asid == a.asid })
    }

    @Test func munmapSendsIPIsOnlyToCPUsThatRanTheSpace() throws {
        for pcid in [true, false] {
            let m = try S.machine(cpus: 4, tlb: Self.l1, pcid: pcid)
            let s = try S.space(m, pages: 200), t = try S.space(m, pages: 4)
            try m.cpu(0).switchTo(s); try m.cpu(2).switchTo(s)
            try m.cpu(1).switchTo(t); try m.cpu(3).switchTo(t)
            for c in [0, 2] { _ = try m.cpu(c).access(S.base) }
            #expect(s.cpuMask == 0b0101)
            try s.unmap(S.base, length: 4096)                      // kernel on CPU 0
            #expect(m.processors.stats.ipis == 1 && m.processors.stats.shootdowns == 1)
            #expect(try m.cpus.map { $0.statistics.ipisReceived } == [0, 0, 1, 0])
            #expect(try m.cpu(0).statistics.ipisSent == 1)
            #expect(try m.cpu(2).access(S.base).fault?.reason == .notPresent)   // no stale entry
            #expect(try m.cpu(0).access(S.base).fault?.reason == .notPresent)
            // From CPU 2, the IPI goes to CPU 0.
            try m.processors.onCPU(2) { () throws(VMError) in _ = try s.unmap(S.base + 4096, length: 4096) }
            #expect(try m.cpus.map { $0.statistics.ipisReceived } == [1, 0, 1, 0])
            // A batch of 100 unmaps: one round, one IPI.
            try m.processors.batch { () throws(VMError) in
                for i: UInt64 in 2..<102 { try s.unmap(S.base + i * 4096, length: 4096) }
            }
            #expect(m.processors.stats.shootdowns == 3 && m.processors.stats.ipis == 3, "pcid \(pcid)")
            #expect(try m.cpu(2).access(S.base + 50 * 4096).fault != nil)
            // 100 separate unmaps: 100 rounds.
            for i: UInt64 in 102..<200 { try s.unmap(S.base + i * 4096, length: 4096) }
            #expect(m.processors.stats.shootdowns == 101)
            #expect(try m.cpu(0).statistics.cycles >= 99 * m.costs.interProcessorInterrupt)
        }
    }

    @Test func pageWalkCacheHitsSkipExactlyTheCachedLevels() throws {
        let m = try S.machine(tlb: [], pwc: PageWalkCacheConfiguration(entries: 16, ways: 0))
        let space = try m.makePageTable()
        let a = S.base
        let targets: [(UInt64, Int, Int)] = [
            (a, 4, -1),                    // cold
            (a + 4096, 1, 2),              // same PT: PDE cache hit → only the PT entry
            (a + (2 << 20), 2, 1),         // same PD: PDPTE cache hit → PD and PT entries
            (a + (1 << 30), 3, 0),         // same PDPT: PML4E cache hit → PDPT, PD, PT
            (a + (512 << 30), 4, -1),      // another PML4 entry: full walk
        ]
        for (va, _, _) in targets { try space.map(va, to: 0x10_0000, pageBytes: 4096, flags: S.rw) }
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        for (va, references, level) in targets {
            let r = try cpu.access(va + 0x10)
            #expect(r.references == references && r.pageWalkCacheLevel == level, "va \(Units.hex(va))")
            #expect(r.cycles == references * m.costs.memoryReference + (level >= 0 ? m.costs.pageWalkCacheHit : 0))
            #expect(r.physicalAddress == 0x10_0010)
        }
        #expect(cpu.pageWalkCaches.map(\.name) == ["PWC PML4", "PWC PDPT", "PWC PD"])
        #expect(cpu.statistics.pageWalkCacheHits == 3)
    }

    @Test func staleDirectoryEntryIsNeverUsedAfterUnmappingATablePage() throws {
        let m = try S.machine(tlb: [], pwc: PageWalkCacheConfiguration(entries: 16, ways: 0))
        let space = try m.makePageTable()
        let a = S.base
        try space.map(a, to: 0x10_0000, pageBytes: 4096, flags: S.rw)
        try space.map(a + (2 << 20), to: 0x20_0000, pageBytes: 4096, flags: S.rw)   // keeps the PD alive
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        _ = try cpu.access(a)
        #expect(try cpu.access(a + 8).pageWalkCacheLevel == 2)      // the PDE for a's PT is cached
        let tablePages = space.tablePages[3]
        try space.unmap(a, length: 4096)                             // frees a's PT page
        #expect(space.tablePages[3] == tablePages - 1)
        try space.map(a, to: 0x40_0000, pageBytes: 2 << 20, flags: S.rw)   // now a 2 MiB leaf in the PD
        let r = try cpu.access(a + 0x1234)
        #expect(r.fault == nil && r.pageBytes == 2 << 20 && r.physicalAddress == 0x40_1234)
        #expect(r.pageWalkCacheLevel != 2)                           // the stale PDE was not used
        // A write made through the PWC sets A/D like a full walk.
        _ = try cpu.access(a + 0x10, .write)
        #expect(try space.lookup(a)?.pte.dirty == true)
    }

    @Test func releasingASpaceLeavesCPUsWithoutIt() throws {
        let m = try S.machine(cpus: 2, tlb: Self.l1, pcid: true)
        let s = try S.space(m, pages: 4)
        try m.cpu(0).switchTo(s)
        _ = try m.cpu(0).access(S.base)
        try s.release()
        #expect(try m.cpu(0).tlb(named: "L1").validCount == 0)
        #expect(throws: VMError.noAddressSpace(cpu: 0)) { try m.cpu(0).access(S.base) }
    }

    @Test func sharedStructureServesAllCPUs() throws {
        let m = try S.machine(cpus: 2, tlb: [TLBLevelConfiguration(name: "L1", entries: 8, ways: 0),
                                             TLBLevelConfiguration(name: "L2", entries: 64, ways: 4, shared: true)],
                              pcid: true)
        let s = try S.space(m, pages: 4)
        try m.cpu(0).switchTo(s); try m.cpu(1).switchTo(s)
        _ = try m.cpu(0).access(S.base)
        let r = try m.cpu(1).access(S.base)
        #expect(try m.cpu(1).source(of: r) == "L2")
        #expect(try m.processors.tlbs(named: "L2").count == 1 && m.processors.tlbs(named: "L1").count == 2)
    }

    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    @Test func throughput() throws {
        #if DEBUG
        let count = 1_000_000, mapped: UInt64 = 64 << 20
        #else
        let count = 50_000_000, mapped: UInt64 = 1 << 30
        #endif
        // TLB-resident: 32 pages, default hierarchy.
        let m = try Machine(memoryBytes: 2 << 30, mode: .x86_64)
        try m.configureProcessors(ProcessorConfiguration())
        let space = try m.makePageTable()
        try space.mapRange(S.base, to: 0, length: mapped, pageBytes: 4096, flags: S.rw)
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        var rng = SeededGenerator(seed: 7)
        let batch = 1 << 16
        let resident = (0..<batch).map { _ in Access(.read, address: S.base + rng.next(below: 32 * 4096)) }
        var start = Self.seconds()
        var done = 0
        while done < count {
            _ = try cpu.run(resident)
            done += batch
        }
        var elapsed = Self.seconds() - start
        print("tlb bench: TLB-resident working set through the MMU: \(Int(Double(done) / elapsed)) accesses/s (AMAT \(cpu.statistics.amat) cycles)")
        // Random over `mapped`: mostly misses, walks with PWC.
        let random = (0..<batch).map { _ in Access(.read, address: S.base + rng.next(below: mapped)) }
        cpu.resetStats()
        let randomCount = count / 5
        start = Self.seconds()
        done = 0
        while done < randomCount {
            _ = try cpu.run(random)
            done += batch
        }
        elapsed = Self.seconds() - start
        let st = cpu.statistics
        print("tlb bench: random accesses over \(Units.size(mapped)): \(Int(Double(done) / elapsed)) accesses/s (walks \(st.walks), PWC hits \(st.pageWalkCacheHits), AMAT \(st.amat) cycles)")
        #expect(st.faults == 0)
    }
}

/// Kernel page-table isolation: the user root, its upkeep and the price of privilege changes.
@Suite struct KPTITests {
    typealias S = TLBTestSupport
    static let kernelVA: UInt64 = 0xffff_8000_0000_1000

    static func setUp(pcid: Bool) throws -> (Machine, PageTable, CPU) {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64, seed: 1)
        try m.configureProcessors(ProcessorConfiguration(cpus: 1, tlb: [TLBLevelConfiguration(name: "L1", entries: 64, ways: 4)],
                                                         pageWalkCache: nil, pcid: pcid, kpti: true))
        let s = try m.makePageTable()
        try s.mapFresh(S.base, pageBytes: 4096, flags: S.rw)
        try s.mapFresh(kernelVA, pageBytes: 4096, flags: MapFlags(writable: true))
        let cpu = try m.cpu(0)
        try cpu.switchTo(s)
        return (m, s, cpu)
    }

    @Test func userModeSeesNoKernelHalf() throws {
        let (_, s, cpu) = try Self.setUp(pcid: false)
        #expect(s.userRoot != nil && s.userRoot != s.root)
        #expect(try cpu.access(Self.kernelVA, .read, privilege: .supervisor).fault == nil)
        let hidden = try cpu.access(Self.kernelVA, .read, privilege: .user)
        #expect(hidden.fault?.reason == .notPresent, "the user root has no kernel half: not present, not protection")
        #expect(try cpu.access(S.base, .write, privilege: .user).fault == nil, "user pages are in both roots")
        // A change made later through the kernel root reaches the user root (shared tables, mirrored root entries).
        try s.unmap(S.base, length: 4096, freeFrames: true)
        #expect(try cpu.access(S.base, .read, privilege: .user).fault?.reason == .notPresent)
        try s.mapFresh(S.base + 0x40_0000_0000, pageBytes: 4096, flags: S.rw)   // a new PML4 slot
        #expect(try cpu.access(S.base + 0x40_0000_0000, .read, privilege: .user).fault == nil)
    }

    @Test func privilegeChangesCostSwitchesAndFlushWithoutPCIDs() throws {
        for pcid in [false, true] {
            let (m, space, cpu) = try Self.setUp(pcid: pcid)
            defer { withExtendedLifetime(space) {} }  // a CPU does not keep its space alive
            _ = try cpu.access(S.base, .read, privilege: .user)              // kernel → user: 1 switch
            let before = cpu.statistics
            for _ in 0..<10 {
                cpu.enter(.supervisor)
                cpu.enter(.user)
            }
            #expect(cpu.statistics.kptiSwitches - before.kptiSwitches == 20)
            #expect(cpu.statistics.cycles - before.cycles == 20 * m.costs.kptiSwitch)
            let again = try cpu.access(S.base, .read, privilege: .user)
            #expect(again.walked == !pcid, pcid ? "PCIDs keep user entries across kernel entries" : "each CR3 write flushed them")
        }
    }

    @Test func releasingFreesBothRoots() throws {
        let m = try Machine(memoryBytes: 16 << 20, mode: .x86_64, seed: 1)
        try m.configureProcessors(ProcessorConfiguration(kpti: true))
        let free = m.frames.freeFrames
        let s = try m.makePageTable()
        try s.mapFresh(S.base, pageBytes: 4096, flags: S.rw)
        try m.cpu(0).switchTo(s)
        #expect(s.stats.tablePages[0] == 2)
        _ = try s.unmap(S.base, length: 4096, freeFrames: true)
        try s.release()
        #expect(m.frames.freeFrames == free)
    }

    @Test func kptiWithPCIDsNeedsARoomForTheUserBit() throws {
        #expect(throws: VMError.self) {
            try ProcessorConfiguration(pcid: true, asidBits: 16, kpti: true).validate(mode: .x86_64)
        }
    }
}

/// The software-managed (MIPS-style) TLB: refill exceptions, the built-in handler, custom ones.
@Suite struct SoftwareTLBTests {
    typealias S = TLBTestSupport

    static func machine() throws -> (Machine, PageTable, CPU) {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64, seed: 3)
        try m.configureProcessors(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "TLB", entries: 16, ways: 0, replacement: .random)],
                                                         pageWalkCache: nil, softwareTLB: true))
        let s = try S.space(m, pages: 8)
        let cpu = try m.cpu(0)
        try cpu.switchTo(s)
        return (m, s, cpu)
    }

    @Test func builtInHandlerWalksAndFillsAtTheRefillPrice() throws {
        let (m, s, cpu) = try Self.machine()
        let first = try cpu.access(S.base + 0x123)
        #expect(first.refilled && first.fault == nil && first.references == 4)
        #expect(first.physicalAddress == s.translate(S.base + 0x123).physicalAddress)
        #expect(first.cycles == m.costs.tlbHit[0] + m.costs.tlbRefill + 4 * m.costs.memoryReference,
                "the missed lookup, the exception and the handler's four loads")
        #expect(cpu.source(of: first) == "refill")
        let again = try cpu.access(S.base + 0x456)
        #expect(!again.refilled && cpu.source(of: again) == "TLB")
        #expect(try cpu.access(S.base + 0x100_0000).fault?.reason == .notPresent)
        #expect(cpu.statistics.refills == 2)
    }

    @Test func customHandlerWritesEntriesWithTlbwr() throws {
        let (m, space, cpu) = try Self.machine()
        defer { withExtendedLifetime(space) {} }  // a CPU does not keep its space alive
        // The handler keeps its own "table": VPN → frame, nothing to do with the radix tree.
        let frames: [UInt64: UInt64] = [0x10: 0x30, 0x11: 0x31]
        var calls = 0
        m.processors.refillHandler = { miss in
            calls += 1
            guard let frame = frames[miss.va >> 12] else { return .noTranslation }
            do {
                try cpu.tlbWriteRandom(va: miss.va & ~0xfff, pa: frame << 12, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
            } catch { return .failed("\(error)") }
            return .installed
        }
        let r = try cpu.access(0x10_008, .write)
        #expect(r.refilled && r.physicalAddress == 0x30_008 && r.references == 0 && r.cycles == m.costs.tlbRefill + 2 * m.costs.tlbHit[0],
                "missed lookup, exception, lookup again")
        #expect(try cpu.access(0x10_010).physicalAddress == 0x30_010 && calls == 1, "the entry serves the next access")
        #expect(try cpu.access(0x99_000).fault?.reason == .refillRefused)
        m.processors.refillHandler = { _ in .installed }
        #expect(throws: VMError.self, "returning without an entry would refill forever") { try cpu.access(0x11_000) }
        m.processors.refillHandler = { _ in .failed("boom") }
        #expect(throws: VMError.refillHandlerFailed(message: "boom")) { _ = try cpu.run([Access(.read, address: 0x12_000)]) }
    }

    @Test func tlbwiChecksTheSetAndSoftwareTLBsHaveNoWalkCaches() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        try m.configureProcessors(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "TLB", entries: 16, ways: 4)],
                                                         pageWalkCache: nil, softwareTLB: true))
        let cpu = try m.cpu(0)
        try cpu.tlbWriteIndexed(slot: 4 * 3 + 2, va: 3 << 12, pa: 0x5000, pageBytes: 4096, flags: MapFlags())
        #expect(try m.processors.tlbs(named: "TLB")[0].dump().map(\.way) == [2])
        #expect(throws: VMError.self) { try cpu.tlbWriteIndexed(slot: 0, va: 3 << 12, pa: 0x5000, pageBytes: 4096, flags: MapFlags()) }
        #expect(throws: VMError.self) { try cpu.tlbWriteRandom(va: 0x1234, pa: 0x5000, pageBytes: 4096, flags: MapFlags()) }
        #expect(throws: VMError.self) { try ProcessorConfiguration(softwareTLB: true).validate(mode: .x86_64) }
    }
}

/// x86 memory protection keys: keys in PTEs, PKRU per CPU, no flush when PKRU changes.
@Suite struct ProtectionKeyTests {
    typealias S = TLBTestSupport

    @Test func togglingPKRUDeniesWritesWithoutAFlush() throws {
        let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: 64, ways: 4)])
        let s = try m.makePageTable()
        try s.mapFresh(S.base, pageBytes: 4096, flags: MapFlags(writable: true, user: true, protectionKey: 5))
        try s.mapFresh(S.base + 4096, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        let cpu = try m.cpu(0)
        try cpu.switchTo(s)
        #expect(try cpu.access(S.base, .write).fault == nil)
        let tlb = try cpu.tlb(named: "L1")
        let before = (cpu.statistics.flushes, tlb.stats.flushes, tlb.validCount)
        cpu.pkru = ProtectionKeys.setting(0, key: 5, allow: "r")!
        let denied = try cpu.access(S.base, .write)
        #expect(denied.fault?.reason == .protectionKey && denied.fault?.protectionKey == 5 && !denied.walked,
                "denied from the TLB entry, no walk")
        #expect(denied.fault.map { $0.errorCode & PageFault.protectionKeyBit != 0 && $0.errorCode & PageFault.presentBit != 0 } == true)
        #expect(try cpu.access(S.base, .read).fault == nil, "reads of key 5 are still allowed")
        #expect(try cpu.access(S.base + 4096, .write).fault == nil, "and writes to other keys")
        cpu.pkru = 0
        #expect(try cpu.access(S.base, .write).fault == nil)
        #expect(cpu.statistics.flushes == before.0 && tlb.stats.flushes == before.1 && tlb.validCount == before.2 + 1,
                "no flush: the TLB kept its entries")
        // The walker checks too (a cold TLB), and run() takes the checked path when PKRU is set.
        cpu.flushAll()
        cpu.pkru = ProtectionKeys.setting(0, key: 5, allow: "none")!
        let summary = try cpu.run([Access(.read, address: S.base), Access(.write, address: S.base + 4096), Access(.execute, address: S.base)])
        #expect(summary.faults == 2 && summary.firstFault?.reason == .protectionKey, "the read is denied; the fetch fails on NX, not on the key")
        #expect(try s.walk(S.base).steps.last.map { s.mode.decode($0.raw).protectionKey } == 5)
    }

    @Test func keysAreCheckedAndOnlyWhereTheModeHasThem() throws {
        let m = try Machine(memoryBytes: 16 << 20, mode: .sv39)
        let s = try m.makePageTable()
        #expect(throws: VMError.self) { try s.map(0x1000, to: 0x1000, pageBytes: 4096, flags: MapFlags(protectionKey: 1)) }
        let x = try Machine(memoryBytes: 16 << 20, mode: .x86_64).makePageTable()
        #expect(throws: VMError.self) { try x.map(0x1000, to: 0x1000, pageBytes: 4096, flags: MapFlags(protectionKey: 16)) }
        try x.map(0x1000, to: 0x1000, pageBytes: 4096, flags: MapFlags(user: true, protectionKey: 15))
        #expect(try x.lookup(0x1000)?.pte.protectionKey == 15)
        #expect(ProtectionKeys.denies(0b11 << 6, key: 3, write: false) && !ProtectionKeys.denies(0b10 << 6, key: 3, write: false))
    }
}

/// The invariant checker of the translation hardware.
@Suite struct TranslationCheckTests {
    typealias S = TLBTestSupport

    @Test func staleEntriesAreReportedAndShootdownsKeepThemAway() throws {
        let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: 64, ways: 4)], pwc: PageWalkCacheConfiguration())
        let s = try S.space(m, pages: 4)
        let cpu = try m.cpu(0)
        try cpu.switchTo(s)
        for i in 0..<4 { _ = try cpu.access(S.base + UInt64(i) * 4096, .write) }
        #expect(m.processors.checkTranslations().isEmpty)
        // The page tables change behind the hardware's back (no invalidation): both checks fire.
        let mapping = try #require(try s.lookup(S.base))
        try m.memory.write(mapping.pteAddress, (mapping.pte.raw & (0xfff | 1 << 63)) | 0x30_0000)   // another frame
        let problems = m.processors.checkTranslations()
        #expect(problems.contains { $0.contains("L1") && $0.contains("but the tables map it to") }, "\(problems)")
        // Done properly (unmap → shootdown), nothing stale is left.
        try s.unmap(S.base + 4096, length: 4096)
        #expect(!m.processors.checkTranslations().contains { $0.contains(Units.hex(S.base + 4096)) })
        // A page-walk-cache entry pointing at a table the tables no longer lead to (the unmap's
        // invalidation emptied the caches: one more access fills them again).
        cpu.flushAll()
        _ = try cpu.access(S.base + 2 * 4096)
        #expect(cpu.pageWalkCaches.contains { $0.validCount > 0 })
        let pd = try #require(try s.walk(S.base, level: 2, create: false))
        let raw = try m.memory.read(pd)
        try m.memory.write(pd, raw &+ 0x1000)
        #expect(m.processors.checkTranslations().contains { $0.contains("PWC") && $0.contains("but the tables lead to") })
    }
}

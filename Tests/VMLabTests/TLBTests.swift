import Testing
@testable import VMLab

/// Helpers shared by the TLB and MMU tests.
enum TLBTestSupport {
    static let base: UInt64 = 0x7f00_0000_0000
    static let rw = MapFlags(writable: true, user: true)

    /// A machine with one data TLB level `L1` (and nothing else unless given).
    static func machine(memory: UInt64 = 64 << 20, cpus: Int = 1, tlb: [TLBLevelConfiguration],
                        pwc: PageWalkCacheConfiguration? = nil, pcid: Bool = false, asidBits: Int = 12,
                        seed: UInt64 = 1) throws -> Machine {
        let m = try Machine(memoryBytes: memory, mode: .x86_64, seed: seed)
        try m.configureProcessors(ProcessorConfiguration(cpus: cpus, tlb: tlb, pageWalkCache: pwc, pcid: pcid, asidBits: asidBits))
        return m
    }

    /// A space with `pages` 4 KiB pages mapped at `base` (to physical 0, 4 KiB, …).
    static func space(_ m: Machine, pages: UInt64, pageBytes: UInt64 = 4096, at va: UInt64 = base) throws -> PageTable {
        let s = try m.makePageTable()
        try s.mapRange(va, to: 0, length: pages * pageBytes, pageBytes: pageBytes, flags: rw)
        return s
    }

    /// Misses of LRU page replacement with `frames` frames on `trace` (the reference model).
    static func lruMisses(_ trace: [UInt64], frames: Int) -> Int {
        var resident: [UInt64] = []   // most recent last
        var misses = 0
        for page in trace {
            if let i = resident.firstIndex(of: page) {
                resident.remove(at: i)
            } else {
                misses += 1
                if resident.count == frames { resident.removeFirst() }
            }
            resident.append(page)
        }
        return misses
    }
}

@Suite struct TLBTests {
    typealias S = TLBTestSupport

    @Test func fullyAssociativeLRUMatchesLRUPageReplacement() throws {
        for entries in [1, 4, 16, 64] {
            let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: entries, ways: 0, replacement: .lru)])
            let space = try S.space(m, pages: 200)
            let cpu = try m.cpu(0)
            try cpu.switchTo(space)
            var rng = SeededGenerator(seed: UInt64(entries))
            var trace: [UInt64] = []
            for _ in 0..<5_000 {   // a skewed trace: mostly a hot set, sometimes anywhere
                trace.append(rng.next(below: 4) == 0 ? rng.next(below: 200) : rng.next(below: UInt64(entries + 8)))
            }
            let summary = try cpu.run(trace.map { Access(.read, address: S.base + $0 * 4096 + 8) })
            let l1 = try cpu.tlb(named: "L1")
            #expect(l1.stats.misses == S.lruMisses(trace, frames: entries), "entries \(entries)")
            #expect(summary.walks == l1.stats.misses)
            #expect(l1.stats.hits + l1.stats.misses == trace.count)
            #expect(l1.stats.evictions == l1.stats.misses - min(entries, Set(trace).count))
        }
    }

    @Test func setIndexConflicts() throws {
        // 64 entries, 4 ways → 16 sets; set = VPN mod 16.
        let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1d", entries: 64, ways: 4, kind: .data)])
        let space = try S.space(m, pages: 256)
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        let l1 = try cpu.tlb(named: "L1d")
        #expect(l1.sets == 16)
        let vpn0 = S.base >> 12
        #expect(l1.setIndex(S.base + 16 * 4096, pageBytes: 4096) == Int(vpn0 % 16))
        #expect(l1.setIndex(S.base + 17 * 4096 + 5, pageBytes: 4096) == Int((vpn0 + 17) % 16))
        // Four pages of one set fit: after the cold misses, every access hits.
        let four = (0..<4).map { Access(.read, address: S.base + UInt64($0) * 16 * 4096) }
        _ = try cpu.run(Array(repeating: four, count: 10).flatMap { $0 })
        #expect(l1.stats.misses == 4 && l1.stats.hits == 36)
        // Five pages of one set cycled through LRU with 4 ways: every access misses.
        l1.flushAll(); l1.resetStats()
        let five = (0..<5).map { Access(.read, address: S.base + UInt64($0) * 16 * 4096) }
        _ = try cpu.run(Array(repeating: five, count: 10).flatMap { $0 })
        #expect(l1.stats.misses == 50 && l1.stats.hits == 0)
        #expect(l1.dump().allSatisfy { $0.set == Int(vpn0 % 16) })
        // 64 consecutive pages spread over all sets (4 each): the second pass hits everywhere.
        l1.flushAll(); l1.resetStats()
        let spread = (0..<64).map { Access(.read, address: S.base + UInt64($0) * 4096) }
        _ = try cpu.run(spread + spread)
        #expect(l1.stats.misses == 64 && l1.stats.hits == 64)
        #expect(l1.validCount == 64)
    }

    @Test func replacementPoliciesInOneSet() throws {
        // One set of 4 ways; pages a b c d, then a hit on a, then e: who is evicted?
        func evicted(_ policy: TLBReplacement) throws -> UInt64 {
            let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: 4, ways: 4, replacement: policy)])
            let space = try S.space(m, pages: 8)
            let cpu = try m.cpu(0)
            try cpu.switchTo(space)
            for p: UInt64 in [0, 1, 2, 3, 0, 4] { _ = try cpu.access(S.base + p * 4096) }
            let present = Set(try cpu.tlb(named: "L1").dump().map { $0.vpn - (S.base >> 12) })
            return Set<UInt64>([0, 1, 2, 3, 4]).subtracting(present).first!
        }
        #expect(try evicted(.lru) == 1)
        #expect(try evicted(.fifo) == 0)
        #expect(try evicted(.plru) == 2)   // tree: a hit on way 0 points the root right, node → way 2
        let r1 = try evicted(.random), r2 = try evicted(.random)
        #expect(r1 == r2)                  // same seed, same choice
    }

    @Test func tlbReachAndTheMissRateCliff() throws {
        let tlb = [TLBLevelConfiguration(name: "L1", entries: 64, ways: 0)]
        // 64 × 4 KiB = 256 KiB of reach; 64 × 2 MiB = 128 MiB.
        func missRate(pageBytes: UInt64, workingSet: UInt64, stride: UInt64) throws -> Double {
            let m = try Machine(memoryBytes: 512 << 20, mode: .x86_64)
            try m.configureProcessors(ProcessorConfiguration(tlb: tlb, pageWalkCache: nil))
            let space = try m.makePageTable()
            try space.mapRange(S.base, to: 0, length: 256 << 20, pageBytes: pageBytes, flags: S.rw)
            let cpu = try m.cpu(0)
            try cpu.switchTo(space)
            let sweep = stride_(0, workingSet, stride).map { Access(.read, address: S.base + $0) }
            _ = try cpu.run(sweep)                  // warm-up pass
            let l1 = try cpu.tlb(named: "L1")
            l1.resetStats()
            _ = try cpu.run(sweep + sweep)
            return Double(l1.stats.misses) / Double(l1.stats.hits + l1.stats.misses)
        }
        func stride_(_ from: UInt64, _ to: UInt64, _ by: UInt64) -> [UInt64] { Array(Swift.stride(from: from, to: to, by: Int(by))) }
        #expect(try missRate(pageBytes: 4096, workingSet: 256 << 10, stride: 4096) == 0)
        #expect(try missRate(pageBytes: 4096, workingSet: (256 << 10) + 4096, stride: 4096) == 1)
        #expect(try missRate(pageBytes: 4096, workingSet: 512 << 10, stride: 4096) == 1)
        #expect(try missRate(pageBytes: 2 << 20, workingSet: 128 << 20, stride: 4096) == 0)
        #expect(try missRate(pageBytes: 2 << 20, workingSet: 130 << 20, stride: 2 << 20) == 1)
        // Within a huge page, a 4 KiB stride misses once per 512 accesses at most.
        #expect(try missRate(pageBytes: 2 << 20, workingSet: 256 << 20, stride: 4096) == 1.0 / 512)
    }

    @Test func missInL1HitInL2FillsL1() throws {
        let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: 4, ways: 0, kind: .data),
                                    TLBLevelConfiguration(name: "L2", entries: 64, ways: 4)])
        let space = try S.space(m, pages: 16)
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        for p: UInt64 in 0..<8 { #expect(try cpu.access(S.base + p * 4096).walked) }
        let r = try cpu.access(S.base + 5)
        #expect(cpu.source(of: r) == "L2" && r.tlbLevel == 2)
        #expect(r.cycles == m.costs.tlbHit[0] + m.costs.tlbHit[1])
        #expect(r.physicalAddress == 5)
        let again = try cpu.access(S.base + 6)
        #expect(cpu.source(of: again) == "L1" && again.cycles == m.costs.tlbHit[0])
        let walk = try cpu.access(S.base + 12 * 4096)
        #expect(walk.walked && walk.references == 4)
        #expect(walk.cycles == m.costs.tlbHit[0] + m.costs.tlbHit[1] + 4 * m.costs.memoryReference)
        #expect(cpu.statistics.accesses == 11 && cpu.statistics.walks == 9 && cpu.statistics.tlbHits == 2)
    }

    @Test func instructionAndDataPathsAndHugePages() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        try m.configureProcessors(ProcessorConfiguration())   // default hierarchy
        let space = try m.makePageTable()
        try space.map(S.base, to: 0x20_0000, pageBytes: 2 << 20, flags: MapFlags(writable: true, user: true))
        try space.map(S.base + (4 << 20), to: 0x1000, pageBytes: 4096, flags: MapFlags(user: true, executable: true))
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        _ = try cpu.access(S.base + 0x1234, .read)
        let huge = try cpu.access(S.base + 0x1f_0000, .read)
        #expect(cpu.source(of: huge) == "L1dH" && huge.pageBytes == 2 << 20 && huge.physicalAddress == 0x3f_0000)
        _ = try cpu.access(S.base + (4 << 20), .execute)
        let fetch = try cpu.access(S.base + (4 << 20) + 4, .execute)
        #expect(cpu.source(of: fetch) == "L1i")
        let asData = try cpu.access(S.base + (4 << 20) + 8, .read)
        #expect(cpu.source(of: asData) == "L2")        // the walk filled L1i and L2, not L1d
        let entries = try cpu.tlb(named: "L2").dump()
        #expect(entries.contains { $0.pageBytes == 2 << 20 && $0.pfn == 0x200 && $0.writable && !$0.executable })
    }

    @Test func writesToCleanOrReadOnlyEntriesGoToTheWalker() throws {
        let m = try S.machine(tlb: [TLBLevelConfiguration(name: "L1", entries: 16, ways: 0)])
        let space = try m.makePageTable()
        try space.map(S.base, to: 0x1000, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        try space.map(S.base + 4096, to: 0x2000, pageBytes: 4096, flags: MapFlags(user: true))
        let cpu = try m.cpu(0)
        try cpu.switchTo(space)
        _ = try cpu.access(S.base, .read)
        #expect(try cpu.tlb(named: "L1").dump().first?.dirty == false)
        let write = try cpu.access(S.base, .write)           // clean entry: the walker sets D
        #expect(write.walked && write.fault == nil)
        #expect(try space.lookup(S.base)?.pte.dirty == true)
        #expect(try cpu.access(S.base + 8, .write).tlbLevel == 1)
        #expect(try cpu.tlb(named: "L1").validCount == 1)     // refreshed in place, not duplicated
        _ = try cpu.access(S.base + 4096, .read)
        let denied = try cpu.access(S.base + 4096, .write)
        #expect(denied.walked && denied.fault?.reason == .writeProtected)
        // The fault dropped the entry (x86 invalidates the faulting address's entries): the next
        // read walks again and refills it, the one after hits.
        #expect(try cpu.tlb(named: "L1").validCount == 1)
        #expect(try cpu.access(S.base + 4096, .read, privilege: .supervisor).walked)
        #expect(try cpu.access(S.base + 4096, .read, privilege: .supervisor).tlbLevel == 1)
        #expect(try cpu.tlb(named: "L1").validCount == 2)
    }

    @Test func badConfigurationsGiveClearErrors() throws {
        let m = try Machine(memoryBytes: 16 << 20, mode: .x86_64)
        func error(_ c: ProcessorConfiguration) -> String {
            do { try m.configureProcessors(c); return "no error" } catch { return error.description }
        }
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "L1", entries: 64, ways: 5)]))
                == "invalid TLB 'L1': ways = 5 does not divide entries = 64")
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "L1", entries: 0)]))
                == "invalid TLB 'L1': entries must be at least 1 (got 0)")
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "L1", entries: 12, ways: 3, replacement: .plru)]))
                == "invalid TLB 'L1': tree-PLRU needs a power-of-two number of ways (got 3)")
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "L1", entries: 8, ways: 16)]))
                == "invalid TLB 'L1': ways = 16 is outside 1...8 (entries)")
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "L1", entries: 8, pageSizes: [8192])])).hasPrefix("page size 8 KiB is not supported"))
        #expect(error(ProcessorConfiguration(tlb: [TLBLevelConfiguration(name: "A", entries: 8), TLBLevelConfiguration(name: "A", entries: 8)]))
                == "invalid TLB 'A': the name is used twice")
        #expect(error(ProcessorConfiguration(cpus: 0)) == "invalid CPU count: 0 is outside 1...64")
        #expect(error(ProcessorConfiguration(asidBits: 0)) == "invalid ASID width: asid_bits = 0 is outside 1...16")
        #expect(error(ProcessorConfiguration(pageWalkCache: PageWalkCacheConfiguration(entries: 10, ways: 4)))
                == "invalid page-walk cache: ways = 4 does not divide entries = 10")
        #expect(throws: VMError.unknownReplacement(name: "lrv", suggestion: "lru")) { try TLBReplacement.named("lrv") }
        #expect(VMError.unknownReplacement(name: "lrv", suggestion: "lru").description == "unknown TLB replacement 'lrv' (did you mean 'lru'?)")
        #expect(try TLBReplacement.named("tree-PLRU") == .plru)
        #expect(throws: VMError.unknownTLBKind(name: "both-ish")) { try TLBKind.named("both-ish") }
        try m.configureProcessors(ProcessorConfiguration(cpus: 2))
        #expect(throws: VMError.cpuOutOfRange(index: 2, count: 2)) { try m.cpu(2) }
        #expect(VMError.cpuOutOfRange(index: 2, count: 2).description == "CPU 2 does not exist (the machine has CPUs 0...1)")
        #expect(throws: VMError.noAddressSpace(cpu: 1)) { try m.cpu(1).access(0x1000) }
        let space = try m.makePageTable()
        try space.release()
        #expect(throws: VMError.released) { try m.cpu(0).switchTo(space) }
        #expect(throws: VMError.self) { try m.processors.tlbs(named: "L3") }
        // Every preset mode gets a valid default hierarchy.
        for name in PagingMode.presetNames {
            let mode = try PagingMode.named(name)
            let mm = try Machine(memoryBytes: 16 << 20, mode: mode)
            try mm.configureProcessors(ProcessorConfiguration())
            #expect(mm.cpus.count == 1)
        }
    }
}

/// The per-size entry counts that let a lookup skip sizes with no entries, and the valid-slot
/// bitmap a flush walks, stay exact.
@Suite struct TLBSizeCountTests {
    @Test(arguments: [(16, 4), (96, 12)])
    func countsFollowFillsInvalidationsAndFlushes(entries: Int, ways: Int) throws {
        let tlb = TLB(name: "T", entries: entries, ways: ways, replacement: .lru, kind: .unified,
                      held: [(sizeIndex: 0, shift: 12), (sizeIndex: 1, shift: 21)], shared: false, cpu: 0,
                      pageWalkCache: false, frameBits: 12, seed: 7)
        var rng = SeededGenerator(seed: 99)
        func check(_ step: Int) {
            let entries = tlb.dump()
            let small = entries.filter { $0.pageBytes == 4096 }.count
            #expect(tlb.sizeCounts[0] == small && tlb.sizeCounts[1] == entries.count - small, "step \(step)")
            // The valid-slot bitmap a flush walks holds exactly the valid entries.
            var valid: [Int] = []
            tlb.core.pointee.forEachValid { valid.append($0) }
            #expect(valid == (0..<tlb.entries).filter { tlb.metas[$0] & TLBMeta.valid != 0 }, "valid slots at step \(step)")
        }
        for step in 0..<3000 {
            let va = rng.next(below: 64) << (rng.next(below: 2) == 0 ? 12 : 21)
            let size = Int(rng.next(below: 2))
            let tag = UInt32(rng.next(below: 3))
            switch rng.next(below: 10) {
            case 0: tlb.invalidate(va, tag: Int(tag))
            case 1: tlb.flush(asid: Int(tag))
            case 2: if step % 7 == 0 { tlb.flushAll() }
            case 3: tlb.flushNonGlobal()
            default:
                let global: UInt32 = rng.next(below: 5) == 0 ? TLBMeta.global : 0
                tlb.fill(va, sizeIndex: size, base: 0x1000, flags: TLBMeta.readable | global, tag: tag)
            }
            check(step)
            // A lookup finds exactly what a dump shows.
            let probe = rng.next(below: 64) << 12
            let present = tlb.dump().contains { e in
                e.vpn == probe >> UInt64(e.pageBytes.trailingZeroBitCount) && (e.asid == 1 || e.global)
            }
            #expect((tlb.lookup(probe, tag: 1, need: 0) >= 0) == present, "lookup at step \(step)")
        }
    }

    @Test(arguments: [TLBReplacement.lru, .fifo], [4, 8, 12, 16])
    func victimsMatchAReferenceModel(policy: TLBReplacement, ways: Int) throws {
        // Fills, hits, invalidations, flushes and restores on 2 sets against a plain model: a
        // fill refreshes the page's own entry, else takes the first invalid way, else the least
        // recently used (LRU) or oldest (FIFO) way, counting an eviction. Sets of 4 ways find
        // the victim among the stamps, sets of 8 to 16 read it off their way order (WayOrder).
        let tlb = TLB(name: "T", entries: 2 * ways, ways: ways, replacement: policy, kind: .unified,
                      held: [(sizeIndex: 0, shift: 12)], shared: false, cpu: 0, pageWalkCache: false, frameBits: 12, seed: 7)
        struct Way { var valid = false, vpn: UInt64 = 0, tag: UInt32 = 0, stamp = 0 }
        var model = [[Way]](repeating: [Way](repeating: Way(), count: ways), count: 2)
        var clock = 0, evictions = 0
        var saved: (image: TLB.Image, model: [[Way]], clock: Int, evictions: Int)?
        var rng = SeededGenerator(seed: 5)
        let pages = UInt64(3 * ways)
        for step in 0..<4000 {
            let vpn = rng.next(below: pages), tag = UInt32(rng.next(below: 2))
            let set = Int(vpn % 2)
            let mine = model[set].firstIndex { $0.valid && $0.vpn == vpn && $0.tag == tag }
            switch rng.next(below: 12) {
            case 0:
                tlb.invalidate(vpn << 12, tag: Int(tag))
                if let w = mine { model[set][w].valid = false }
            case 1:
                if step % 5 == 0 {
                    tlb.flushAll()
                    model = model.map { $0.map { _ in Way() } }
                }
            case 2, 3, 4:
                let hit = tlb.lookup(vpn << 12, tag: tag, need: 0) >= 0
                #expect(hit == (mine != nil), "lookup at step \(step)")
                if let w = mine, policy == .lru { clock += 1; model[set][w].stamp = clock }
            case 5:
                if step % 9 == 0 {
                    tlb.flush(asid: Int(tag))
                    model = model.map { $0.map { $0.tag == tag ? Way() : $0 } }
                }
            case 6:
                if let s = saved, step % 3 == 0 {
                    tlb.restore(s.image)
                    (model, clock, evictions) = (s.model, s.clock, s.evictions)
                } else if step % 11 == 0 {
                    saved = (tlb.capture(), model, clock, evictions)
                }
            default:
                tlb.fill(vpn << 12, sizeIndex: 0, base: vpn << 12, flags: TLBMeta.readable, tag: tag)
                clock += 1
                if let w = mine {
                    if policy == .lru { model[set][w].stamp = clock }
                } else {
                    var w = model[set].firstIndex { !$0.valid } ?? -1
                    if w < 0 {
                        w = model[set].indices.min { model[set][$0].stamp < model[set][$1].stamp }!
                        evictions += 1
                    }
                    model[set][w] = Way(valid: true, vpn: vpn, tag: tag, stamp: clock)
                }
            }
            let expected = model.enumerated().flatMap { s, ways in
                ways.enumerated().compactMap { w, way in way.valid ? "\(s).\(w): \(way.vpn)/\(way.tag)" : nil }
            }
            let actual = tlb.dump().map { "\($0.set).\($0.way): \($0.vpn)/\($0.asid)" }
            #expect(actual == expected, "entries at step \(step)")
            #expect(tlb.stats.evictions == evictions, "evictions at step \(step)")
            if actual != expected { break }
        }
    }
}

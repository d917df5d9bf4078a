import Testing
@testable import VMLab

/// Swap and reclaim in the kernel (issue 7): integrity under every built-in policy, write-back
/// accounting and the swap cache, COW + swap through the reverse map, the OOM killer.
/// Every test ends with `Kernel.check()` finding nothing wrong.
@Suite struct KernelSwapTests {
    static let page: UInt64 = 4096

    /// A machine of `frames` frames with a swap device of `slots` slots and `policy`.
    static func machine(frames: UInt64 = 64, slots: UInt64 = 1024, policy: PolicySpec = .clock) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: frames * page)
        let k = try m.kernel
        try k.enableSwap(bytes: slots * page)
        try k.setPolicy(policy)
        return (m, k)
    }

    static func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    /// A value for page `i` (distinct per page and per round).
    static func value(_ i: UInt64, round: UInt64 = 0) -> UInt64 { 0x5A5A_0000_0000 &+ i &* 7919 &+ round << 40 }

    static let policies: [PolicySpec] = [
        .fifo, .lru, .random(seed: 3), .mru, .clock, .enhancedClock, .lfu, .aging(bits: 8, tickEvery: 50),
        .workingSet(tau: 100), .wsclock(tau: 100), .twoQueue(kin: nil, kout: nil), .arc, .lirs(hir: nil), .clockPro,
        .sieve, .s3fifo(small: nil),
    ]

    /// Writes distinct values to 4× RAM worth of pages, reads them all back twice (in two
    /// orders), writes again and reads again: every value reads back as written.
    @Test(arguments: 0..<policies.count)
    func dataSurvivesSwapUnderEveryPolicy(index: Int) throws {
        let (m, k) = try Self.machine(policy: Self.policies[index])
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("big")
        let pages: UInt64 = 4 * 64
        let heap = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for i in 0..<pages { try k.write(p, heap + i * Self.page + 8 * (i % 500), Self.value(i)) }
        for i in (0..<pages).reversed() { #expect(try k.read(p, heap + i * Self.page + 8 * (i % 500)) == Self.value(i)) }
        for i in stride(from: 0, to: pages, by: 3) { try k.write(p, heap + i * Self.page, Self.value(i, round: 1)) }
        for i in 0..<pages {
            let want = i % 3 == 0 ? Self.value(i, round: 1) : 0
            #expect(try k.read(p, heap + i * Self.page) == want || i % 500 == 0)
            #expect(try k.read(p, heap + i * Self.page + 8 * (i % 500)) == (i % 3 == 0 && i % 500 == 0 ? Self.value(i, round: 1) : Self.value(i)))
        }
        let r = try #require(k.reclaimer)
        #expect(r.policyName == Self.policies[index].name)
        #expect(r.counters.swapOuts > 3 * 64, "most pages went to swap at least once")
        #expect(r.counters.swapIns > 0)
        #expect(r.counters.swapOuts == r.counters.writebacks + r.counters.cleanDrops)
        Self.expectConsistent(k)
        k.exit(p)
        #expect(k.swap?.usedCount == 0, "exit frees every slot")
        Self.expectConsistent(k)
    }

    /// A dirty victim is written back once per eviction; a clean one read back from swap is
    /// dropped without a write (the swap cache), until it is written again.
    @Test func writeBackOncePerDirtyEvictionAndNoneForCleanCachedPages() throws {
        let (m, k) = try Self.machine(frames: 64, policy: .fifo)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("w")
        let target = try k.mmap(p, MmapRequest(length: Self.page))
        let filler = try k.mmap(p, MmapRequest(length: 256 * Self.page))
        let r = try #require(k.reclaimer)
        var fill: UInt64 = 0
        /// Touches filler pages until `target` is swapped out.
        func pushOut() throws {
            var n = 0
            while k.swapSlot(k.readPTE(p.space, target)) == nil {
                try k.write(p, filler + (fill % 256) * Self.page, fill)
                fill += 1
                n += 1
                if n > 1000 { Issue.record("target never evicted"); return }
            }
        }
        var events: [String] = []
        k.observer = { ev in
            if ev.kind == "writeback" || ev.kind == "evict",
               ev.fields.contains(where: { $0.0 == "va" && $0.1 == .integer(Int(target)) }) { events.append(ev.kind) }
        }
        try k.write(p, target, 1)                // dirty
        try pushOut()
        #expect(events == ["writeback", "evict"], "a dirty page is written once")
        events = []
        #expect(try k.read(p, target) == 1)      // swap-in, clean, still in its slot
        try pushOut()
        #expect(events == ["evict"], "a clean swap-cached page is dropped without a write")
        events = []
        #expect(try k.read(p, target) == 1)
        try k.write(p, target, 2)                // written again: leaves the swap cache
        try pushOut()
        #expect(events == ["writeback", "evict"])
        events = []
        #expect(try k.read(p, target) == 2)
        #expect(r.counters.swapOuts == r.counters.writebacks + r.counters.cleanDrops)
        Self.expectConsistent(k)
    }

    /// A page shared by parent and child after fork is swapped out once (one write, one slot
    /// named by both PTEs) and both read it back; the child's write then copies it.
    @Test func cowPageIsSwappedOutOnceAndBothReadItBack() throws {
        let (m, k) = try Self.machine(frames: 64, policy: .fifo)
        defer { withExtendedLifetime(m) {} }
        let parent = try k.spawn("parent")
        let shared = try k.mmap(parent, MmapRequest(length: Self.page))
        try k.write(parent, shared, 0xC0FFEE)
        let child = try k.fork(parent)
        let filler = try k.mmap(parent, MmapRequest(length: 200 * Self.page))
        let r = try #require(k.reclaimer)
        var evictions = 0
        k.observer = { ev in
            if ev.kind == "evict", ev.fields.contains(where: { $0.0 == "va" && $0.1 == .integer(Int(shared)) }) { evictions += 1 }
        }
        var i: UInt64 = 0
        while k.swapSlot(k.readPTE(parent.space, shared)) == nil && i < 200 {
            try k.write(parent, filler + i * Self.page, i)
            i += 1
        }
        let slot = try #require(k.swapSlot(k.readPTE(parent.space, shared)))
        #expect(k.swapSlot(k.readPTE(child.space, shared)) == slot, "both PTEs name the same slot")
        #expect(k.swap?.users[Int(slot)] == 2)
        #expect(evictions == 1)
        Self.expectConsistent(k)
        let swapIns = r.counters.swapIns
        #expect(try k.read(child, shared) == 0xC0FFEE)
        #expect(try k.read(parent, shared) == 0xC0FFEE)
        #expect(r.counters.swapIns == swapIns + 1, "the second reader finds the page in the swap cache")
        #expect(k.readPTE(child.space, shared) & ~UInt64(0xFFF) == k.readPTE(parent.space, shared) & ~UInt64(0xFFF))
        try k.write(child, shared, 7)
        #expect(try k.read(parent, shared) == 0xC0FFEE)
        #expect(try k.read(child, shared) == 7)
        Self.expectConsistent(k)
        k.exit(child)
        k.exit(parent)
        #expect(k.swap?.usedCount == 0)
        Self.expectConsistent(k)
    }

    /// With swap full, the process with the most pages (resident + swapped) is killed: first
    /// the hog itself, whose fault then fails (SIGSEGV "out of memory"); then, when a small
    /// process faults, the big idle one (status 137), and the small one goes on.
    @Test func oomKillsTheBiggestProcessWhenSwapIsFull() throws {
        let (m, k) = try Self.machine(frames: 64, slots: 32, policy: .clock)
        defer { withExtendedLifetime(m) {} }
        var killed: [Int] = []
        k.observer = { ev in if ev.kind == "oom", case .integer(let pid)? = ev.fields.first?.1 { killed.append(pid) } }
        let hog = try k.spawn("hog")
        let big = try k.mmap(hog, MmapRequest(length: 200 * Self.page))
        var written: UInt64 = 0
        var reason: SegvReason?
        for i in 0..<200 as Range<UInt64> {
            do { try k.write(hog, big + i * Self.page, i + 1) } catch {
                if case .segv(let fault) = error { reason = fault.reason }
                break
            }
            written += 1
        }
        #expect(reason == .outOfMemory, "the hog is the biggest and the one asking: its fault fails")
        #expect(written > 32 && written < 200)
        #expect(killed == [hog.pid] && !hog.isAlive)
        #expect(k.swap?.usedCount == 0, "its slots are free again")
        Self.expectConsistent(k)

        let idle = try k.spawn("idle")
        let area = try k.mmap(idle, MmapRequest(length: 200 * Self.page))
        var i: UInt64 = 0
        while k.swap?.freeCount ?? 0 > 0 && i < 200 { try k.write(idle, area + i * Self.page, i + 1); i += 1 }
        #expect(k.swap?.freeCount == 0)
        let small = try k.spawn("small")
        let mine = try k.mmap(small, MmapRequest(length: 16 * Self.page))
        for j in 0..<16 as Range<UInt64> { try k.write(small, mine + j * Self.page, 100 + j) }
        #expect(killed == [hog.pid, idle.pid], "the OOM killer took the idle process, the biggest")
        #expect(!idle.isAlive && idle.exitStatus == 137)
        for j in 0..<16 as Range<UInt64> { #expect(try k.read(small, mine + j * Self.page) == 100 + j) }
        #expect(k.reclaimer?.counters.ooms == 2)
        Self.expectConsistent(k)
    }

    /// The random system calls of `KernelPropertyTests` (fork, COW, mprotect, munmap, dontneed,
    /// exit) on a machine of 32 frames (sv32: small tables), so that pages keep going to swap and
    /// back: data reads back as written and `check()` stays clean after every step.
    @Test(arguments: [(1, PolicySpec.clock), (2, .lru), (3, .arc), (4, .random(seed: 9))] as [(UInt64, PolicySpec)])
    func randomSyscallsMatchTheModelUnderSwap(seed: UInt64, policy: PolicySpec) throws {
        let m = try Machine(memoryBytes: 32 * Self.page, mode: .sv32, seed: seed)
        let k = try m.kernel
        try k.enableSwap(bytes: 2048 * Self.page)
        try k.setPolicy(policy)
        var outs = 0
        k.observer = { if $0.kind == "evict" { outs += 1 } }
        try KernelPropertyTests.exercise(m, k, seed: seed)
        #expect(outs > 20, "pages went to swap (\(outs) evictions)")
        #expect(k.swap?.usedCount == 0)
    }

    /// Thrashing: a process loops over a working set of W pages. While W fits in memory the
    /// fault rate after the first loop is 0; once W crosses the frames left for data, Clock
    /// evicts each page just before its next use and every access faults (a major fault).
    /// The working-set size over one loop is W either way; the page-fault frequency follows
    /// the fault rate.
    @Test func faultRateJumpsWhenTheWorkingSetCrossesMemory() throws {
        var rates: [Int: Double] = [:]
        for w in [16, 32, 40, 64, 96] {
            let (m, k) = try Self.machine(frames: 64, policy: .clock)
            defer { withExtendedLifetime(m) {} }
            let p = try k.spawn("loop")
            let base = try k.mmap(p, MmapRequest(length: UInt64(w) * Self.page))
            func loop() throws { for i in 0..<UInt64(w) { try k.write(p, base + i * Self.page, i) } }
            try loop()
            let before = p.counters
            for _ in 0..<4 { try loop() }
            let faults = p.counters.minorFaults + p.counters.majorFaults - before.minorFaults - before.majorFaults
            rates[w] = Double(faults) / Double(4 * w)
            #expect(k.workingSetSize(p, tau: UInt64(w)) == w, "W = \(w): every page of the loop is in the working set")
            #expect(k.workingSetSize(p, tau: 1) == 1)
            let pff = try #require(k.faultFrequency(p, window: 4 * w))
            #expect(abs(pff - rates[w]!) < 0.01, "W = \(w): PFF \(pff) vs fault rate \(rates[w]!)")
            Self.expectConsistent(k)
        }
        #expect(rates[16] == 0 && rates[32] == 0 && rates[40] == 0, "\(rates)")
        #expect(rates[64] == 1 && rates[96] == 1, "\(rates)")
    }

    /// File pages are reclaimed too, with or without a swap device: a file four times the size
    /// of memory, mapped shared, is read whole (clean pages are dropped: nothing written), then
    /// every page is written through the mapping (each evicted page is written back to the file
    /// first): the file then reads back as written, and so does the mapping.
    @Test(arguments: [true, false])
    func filePagesAreDroppedOrWrittenBack(withSwap: Bool) throws {
        let m = try Machine(memoryBytes: 64 * Self.page)
        let k = try m.kernel
        if withSwap { try k.enableSwap(bytes: 64 * Self.page) } else { try k.setPolicy(.clock) }
        let pages: UInt64 = 256
        let bytes = (0..<Int(pages * Self.page)).map { UInt8(truncatingIfNeeded: $0 / 4096 &* 7 &+ 1) }
        let file = try k.createFile("big.bin", contents: bytes)
        let p = try k.spawn("reader")
        var r = MmapRequest(length: pages * Self.page)
        r.file = file
        r.shared = true
        let base = try k.mmap(p, r)
        for i in 0..<pages { #expect(try k.read(p, base + i * Self.page, width: 1) == UInt64(UInt8(truncatingIfNeeded: i &* 7 &+ 1))) }
        let c = try #require(k.reclaimer?.counters)
        #expect(c.fileDrops > 150 && c.fileWritebacks == 0, "clean pages are dropped: \(c)")
        #expect(file.reads == Int(pages))
        Self.expectConsistent(k)
        for i in 0..<pages { try k.write(p, base + i * Self.page + 8, 1000 + i) }
        #expect(try #require(k.reclaimer?.counters).fileWritebacks > 150)
        #expect(file.reads > Int(pages) + 150, "dropped pages are read again")
        for i in 0..<pages { #expect(try k.read(p, base + i * Self.page + 8) == 1000 + i) }
        let after = k.readFile(file)
        for i in 0..<Int(pages) {
            let word = after[(i * 4096 + 8)..<(i * 4096 + 16)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            #expect(word == 1000 + UInt64(i))
        }
        Self.expectConsistent(k)
        try k.munmap(p, base, pages * Self.page)
        Self.expectConsistent(k)
        k.exit(p)
        Self.expectConsistent(k)
    }

    /// Locked pages (mlock) stay in memory under pressure; the others go; after munlock they
    /// can go too.
    @Test func lockedPagesStayResident() throws {
        let (m, k) = try Self.machine(frames: 64, policy: .clock)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("locker")
        let locked = try k.mmap(p, MmapRequest(length: 8 * Self.page))
        for i in 0..<8 as Range<UInt64> { try k.write(p, locked + i * Self.page, 50 + i) }
        try k.mlock(p, locked, 8 * Self.page)
        let other = try k.mmap(p, MmapRequest(length: 200 * Self.page))
        for i in 0..<200 as Range<UInt64> { try k.write(p, other + i * Self.page, i) }
        for i in 0..<8 as Range<UInt64> { #expect(k.swapSlot(k.readPTE(p.space, locked + i * Self.page)) == nil, "locked page \(i) stayed") }
        #expect(try #require(k.reclaimer).counters.skipped > 0, "the policy chose them and they were passed over")
        Self.expectConsistent(k)
        try k.munlock(p, locked, 8 * Self.page)
        for _ in 0..<3 { for i in 0..<200 as Range<UInt64> { try k.write(p, other + i * Self.page, i) } }
        let out = (0..<8 as Range<UInt64>).filter { k.swapSlot(k.readPTE(p.space, locked + $0 * Self.page)) != nil }
        #expect(!out.isEmpty, "unlocked pages can go")
        for i in 0..<8 as Range<UInt64> { #expect(try k.read(p, locked + i * Self.page) == 50 + i) }
        Self.expectConsistent(k)
    }

    /// Random private anonymous and shared file memory across fork, exit and munmap on a machine
    /// far too small, so anonymous pages keep going to swap and file pages back to the file:
    /// every value reads back as the model says and `check()` stays clean after every step.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomAnonymousAndFileMemoryUnderPressure(seed: UInt64) throws {
        let m = try Machine(memoryBytes: 40 * Self.page, mode: .sv32, seed: seed)
        let k = try m.kernel
        try k.enableSwap(bytes: 512 * Self.page)
        try k.setPolicy([PolicySpec.clock, .arc, .sieve][Int(seed % 3)])
        var rng = SeededGenerator(seed: seed)
        let file = try k.createFile("shared.bin", size: 48 * Self.page)
        var fileModel: [UInt64: UInt64] = [:]
        struct Proc { var p: Process; var anon: UInt64; var file: UInt64?; var values: [UInt64: UInt64] }
        func mapFile(_ p: Process) throws -> UInt64 {
            var r = MmapRequest(length: 48 * Self.page)
            r.file = file
            r.shared = true
            return try k.mmap(p, r)
        }
        let first = try k.spawn("p0")
        var procs = [Proc(p: first, anon: try k.mmap(first, MmapRequest(length: 32 * Self.page)), file: try mapFile(first), values: [:])]
        for step in 0..<500 {
            let pick = Int.random(in: 0..<procs.count, using: &rng)
            var q = procs[pick]
            let op = Int.random(in: 0..<100, using: &rng)
            let page = UInt64.random(in: 0..<32, using: &rng)
            let value = UInt64.random(in: 1...UInt64.max, using: &rng)
            switch op {
            case 0..<30:
                try k.write(q.p, q.anon + page * Self.page, value)
                q.values[page] = value
            case 30..<50:
                #expect(try k.read(q.p, q.anon + page * Self.page) == q.values[page] ?? 0, "step \(step): anon page \(page)")
            case 50..<70:
                if let base = q.file {
                    try k.write(q.p, base + page * Self.page, value)
                    fileModel[page] = value
                }
            case 70..<85:
                if let base = q.file {
                    #expect(try k.read(q.p, base + page * Self.page) == fileModel[page] ?? 0, "step \(step): file page \(page)")
                }
            case 85..<90 where procs.count < 5:
                let child = try k.fork(q.p)
                procs.append(Proc(p: child, anon: q.anon, file: q.file, values: q.values))
            case 90..<94 where procs.count > 1:
                k.exit(q.p)
                procs.remove(at: pick)
                let problems = k.check()
                #expect(problems.isEmpty, "step \(step): \(problems.prefix(3))")
                continue
            case 94..<100:
                if let base = q.file {
                    try k.munmap(q.p, base, 48 * Self.page)
                    q.file = nil
                } else {
                    q.file = try mapFile(q.p)
                }
            default:
                break
            }
            procs[pick] = q
            let problems = k.check()
            #expect(problems.isEmpty, "step \(step): \(problems.prefix(3))")
            if !problems.isEmpty { return }
        }
        let c = try #require(k.reclaimer?.counters)
        #expect(c.swapOuts > 50 && c.fileDrops + c.fileWritebacks > 20, "\(c)")
        let bytes = k.readFile(file)
        for (page, value) in fileModel {
            let at = Int(page * Self.page)
            let word = bytes[at..<(at + 8)].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            #expect(word == value, "file page \(page) as the file reads")
        }
        for q in procs { k.exit(q.p) }
        #expect(k.swap?.usedCount == 0)
        Self.expectConsistent(k)
    }

    /// OPT is refused (it needs the future); watermarks are validated.
    @Test func badSettingsAreErrors() throws {
        let (m, k) = try Self.machine()
        defer { withExtendedLifetime(m) {} }
        #expect(throws: KernelError.self) { try k.setPolicy(.opt) }
        #expect(throws: KernelError.self) { try k.setWatermarks(low: 10, high: 5) }
        #expect(throws: KernelError.self) { try k.setWatermarks(low: 0, high: 1 << 20) }
        #expect(throws: KernelError.self) { try k.enableSwap(bytes: Self.page) }
        try k.setWatermarks(low: 2, high: 6)
        #expect(k.reclaimer?.low == 2 && k.reclaimer?.high == 6)
    }
}

import Testing
@testable import VMLab

/// Issue 9, memory overcommit: a guest's bytes live only in host frames; the hypervisor evicts
/// guest pages to the guest's swap behind the guest kernel's back (double paging), reads them
/// back on EPT violations, and the balloon driver returns guest pages to the host.
@Suite struct DoublePagingTests {
    static let page: UInt64 = 4096

    /// A 16 MiB host and an 8 MiB guest with 8 MiB of swap and at most `limit` host frames, and a
    /// guest process.
    static func guest(limit: Int? = nil, swap: UInt64 = 8 << 20) throws -> (Machine, Guest, Kernel, Process) {
        let host = try Machine(memoryBytes: 16 << 20, mode: .x86_64)
        let g = try Guest(host: host, memoryBytes: 8 << 20, mode: .x86_64, swapBytes: swap, limitFrames: limit)
        let k = try g.machine.kernel
        let p = try k.spawn("app")
        return (host, g, k, p)
    }

    static func value(_ i: UInt64, round: UInt64 = 0) -> UInt64 { 0x7777_0000_0000 &+ i &* 7919 &+ round << 40 }

    static func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    /// The guest-physical page of `va` in process `p`.
    static func guestPage(_ p: Process, _ va: UInt64) throws -> UInt64 {
        try #require(try p.space.lookup(va)).physicalAddress >> 12
    }

    @Test func guestBytesLiveInHostFramesOnly() throws {
        let (host, g, k, p) = try Self.guest()
        let buf = try k.mmap(p, MmapRequest(length: 16 * Self.page))
        for i in 0..<UInt64(16) { try k.write(p, buf + i * Self.page + 8, Self.value(i)) }
        // The guest's own PhysicalMemory stores nothing: every byte is in a host frame.
        #expect(g.machine.memory.allocatedBlocks == 0)
        for i in 0..<UInt64(16) {
            let gpa = try #require(try p.space.lookup(buf + i * Self.page)).physicalAddress
            let hpa = try #require(try g.hostAddress(gpa: gpa))
            #expect(try host.memory.read(hpa + 8) == Self.value(i))
            // Writing the host frame is writing the guest's page.
            try host.memory.write(hpa + 16, i)
            #expect(try k.read(p, buf + i * Self.page + 16) == i)
        }
        Self.expectConsistent(k)
    }

    /// Write, force host eviction of every guest page, read back: the data survives, the EPT
    /// entries were swap entries in between, and each read back was an EPT violation.
    @Test func guestDataSurvivesRepeatedHostEviction() throws {
        let (host, g, k, p) = try Self.guest()
        let pages: UInt64 = 64
        let buf = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for round in 0..<UInt64(3) {
            for i in 0..<pages { try k.write(p, buf + i * Self.page, Self.value(i, round: round)) }
            let resident = g.stats.hostFrames
            let framesBefore = host.frames.freeFrames
            let evicted = g.backing.reclaim(count: .max)
            #expect(evicted == resident)
            #expect(g.stats.hostFrames == 0)
            #expect(host.frames.freeFrames == framesBefore + UInt64(evicted))
            // The guest still thinks every page resident; the host does not.
            for i in 0..<pages {
                let va = buf + i * Self.page
                let gpa = try #require(try p.space.lookup(va)).physicalAddress
                #expect(g.backing.pageState(gpa >> 12) == "swapped")
                #expect(try g.hostAddress(gpa: gpa) == nil)
                let leaf = try #require(try g.ept.walk(gpa, level: 3, create: false))
                let raw = try g.ept.readEntry(leaf)
                #expect(raw != 0 && raw & host.mode.layout.present == 0)
            }
            let insBefore = g.stats.hostSwapIns, violationsBefore = g.stats.eptViolations
            for i in 0..<pages { #expect(try k.read(p, buf + i * Self.page) == Self.value(i, round: round)) }
            // Each data page and each guest table page on the way came back once.
            #expect(g.stats.hostSwapIns - insBefore >= Int(pages))
            #expect(g.stats.eptViolations - violationsBefore == g.stats.hostSwapIns - insBefore)
            Self.expectConsistent(k)
        }
        #expect(g.stats.hostSwapOuts >= 3 * Int(pages))
    }

    /// With a limit of 24 host frames, a 96-page working set runs through the guest's swap: the
    /// guest never holds more than its limit, and every value reads back.
    @Test func aLimitMakesTheHypervisorEvict() throws {
        let (_, g, k, p) = try Self.guest(limit: 24)
        let pages: UInt64 = 96
        let buf = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for i in 0..<pages {
            try k.write(p, buf + i * Self.page, Self.value(i))
            #expect(g.stats.hostFrames <= 24)
        }
        #expect(g.stats.hostSwapOuts > 0)
        for i in stride(from: pages, to: 0, by: -1) { #expect(try k.read(p, buf + (i - 1) * Self.page) == Self.value(i - 1)) }
        #expect(g.stats.hostFrames <= 24)
        #expect(g.stats.hostSwapIns > 0)
        Self.expectConsistent(k)
    }

    /// A nested walk of a page the host evicted takes an EPT violation (a host swap-in) and
    /// still reads the cold 24 references.
    @Test func aNestedWalkOfAnEvictedPageSwapsItIn() throws {
        let (_, g, k, p) = try Self.guest()
        let buf = try k.mmap(p, MmapRequest(length: Self.page))
        try k.write(p, buf, 42)
        g.backing.reclaim(count: .max)
        let walk = try g.translateNested(va: buf, space: p.space)
        #expect(walk.fault == nil && walk.references == 24)
        #expect(walk.eptViolations == 5)      // root, PDPT, PD, PT and the data page come back
        #expect(g.stats.hostSwapIns == 5)
        let hpa = try #require(walk.physicalAddress)
        #expect(try g.host.memory.read(hpa) == 42)
    }

    /// A host frame pinned by someone else (a device's DMA mapping) is never evicted.
    @Test func pinnedHostFramesStay() throws {
        let (host, g, k, p) = try Self.guest()
        let buf = try k.mmap(p, MmapRequest(length: 2 * Self.page))
        try k.write(p, buf, 1)
        try k.write(p, buf + Self.page, 2)
        let gpa = try #require(try p.space.lookup(buf)).physicalAddress
        let hpa = try #require(try g.hostAddress(gpa: gpa))
        try host.memory.updateInfo(frame: hpa >> 12) { $0.pinned = true }
        g.backing.reclaim(count: .max)
        #expect(g.backing.pageState(gpa >> 12) == "resident")
        #expect(try g.hostAddress(gpa: gpa) == hpa)
        #expect(g.stats.hostFrames == 1)
        #expect(try k.read(p, buf + Self.page) == 2)
    }

    /// Without guest swap nothing can be evicted: a guest at its limit gets a clear error, not a
    /// crash, and earlier data is intact.
    @Test func noSwapAtTheLimitIsAnError() throws {
        let (_, g, k, p) = try Self.guest(limit: 8, swap: 0)
        let buf = try k.mmap(p, MmapRequest(length: 32 * Self.page))
        #expect(g.backing.reclaim(count: 10) == 0)
        var failed: KernelError?
        for i in 0..<UInt64(32) {
            do { try k.write(p, buf + i * Self.page, i + 1) } catch { failed = error; break }
        }
        let error = try #require(failed)
        #expect(error.description.contains("limit of 8 host frames"))
        #expect(g.stats.hostFrames == 8)
        #expect(try k.read(p, buf) == 1)
    }

    /// The balloon: pages a process freed still hold host frames until the balloon takes them;
    /// inflating frees those frames, deflating gives the pages back, data elsewhere is intact.
    @Test func theBalloonGivesGuestPagesBack() throws {
        let (host, g, k, p) = try Self.guest()
        let keep = try k.mmap(p, MmapRequest(length: 4 * Self.page))
        let scratch = try k.mmap(p, MmapRequest(length: 64 * Self.page))
        let other = try k.spawn("other")
        for i in 0..<UInt64(4) { try k.write(p, keep + i * Self.page, Self.value(i)) }
        for i in 0..<UInt64(64) { try k.write(p, scratch + i * Self.page, i + 1) }
        try k.munmap(p, scratch, 64 * Self.page)
        let held = g.stats.hostFrames
        let hostFree = host.frames.freeFrames
        // The guest frees its pages; the host still backs them: only the balloon can tell it.
        let all = g.machine.frames.freeFrames
        let size = try g.balloon(bytes: all * Self.page)
        #expect(size == all * Self.page)
        #expect(g.stats.balloonPages == Int(all))
        #expect(g.stats.balloonFreed >= 64)
        #expect(g.stats.hostFrames == held - g.stats.balloonFreed)
        #expect(host.frames.freeFrames == hostFree + UInt64(g.stats.balloonFreed))
        #expect(g.machine.frames.freeFrames == 0)
        // The guest cannot use ballooned pages: a new page fails (no policy to reclaim with),
        // and the guest kernel kills the process that needed it.
        let lost = try k.mmap(other, MmapRequest(length: Self.page))
        #expect(throws: KernelError.self) { try k.write(other, lost, 1) }
        #expect(!other.isAlive)
        let freeAfterKill = g.machine.frames.freeFrames
        // Deflate: the pages come back and are usable, lazily backed again.
        #expect(try g.balloon(bytes: 0) == 0)
        #expect(g.machine.frames.freeFrames == freeAfterKill + all)
        let more = try k.mmap(p, MmapRequest(length: Self.page))
        try k.write(p, more, 9)
        #expect(try k.read(p, more) == 9)
        for i in 0..<UInt64(4) { #expect(try k.read(p, keep + i * Self.page) == Self.value(i)) }
        // Sizes that are not whole pages, or beyond guest memory, are refused.
        #expect(throws: VMError.self) { try g.balloon(bytes: 100) }
        #expect(throws: VMError.self) { try g.balloon(bytes: 16 << 20) }
        Self.expectConsistent(k)
    }

    /// Random writes, reads and host reclaims against a dictionary: the guest always reads what
    /// it last wrote (seeded).
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomMixMatchesAReferenceModel(seed: UInt64) throws {
        let (_, g, k, p) = try Self.guest(limit: 40)
        var rng = SeededGenerator(seed: seed)
        let pages: UInt64 = 128
        let buf = try k.mmap(p, MmapRequest(length: pages * Self.page))
        var model: [UInt64: UInt64] = [:]
        for step in 0..<2000 {
            let i = UInt64.random(in: 0..<pages, using: &rng)
            let offset = UInt64.random(in: 0..<512, using: &rng) * 8
            let va = buf + i * Self.page + offset
            switch UInt64.random(in: 0..<10, using: &rng) {
            case 0..<4:
                let v = UInt64.random(in: 0...UInt64.max, using: &rng)
                try k.write(p, va, v)
                model[va] = v
            case 4..<9:
                #expect(try k.read(p, va) == model[va, default: 0], "step \(step)")
            default:
                g.backing.reclaim(count: Int.random(in: 1...20, using: &rng))
            }
            #expect(g.stats.hostFrames <= 40)
        }
        for (va, v) in model { #expect(try k.read(p, va) == v) }
        Self.expectConsistent(k)
    }
}

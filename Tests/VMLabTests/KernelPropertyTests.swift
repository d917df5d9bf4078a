import Testing
@testable import VMLab

/// Random sequences of system calls and accesses against a simple reference model (DESIGN.md
/// §9): data written reads back after any mix of fork, COW, mprotect, munmap, dontneed and
/// exit, invalid accesses are SIGSEGV exactly when the model says so, and `check()` finds
/// nothing wrong after every step.
@Suite struct KernelPropertyTests {
    /// What the model knows of one process: the protection and last value of each page of the arena.
    struct Model {
        var prot: [UInt64: Protection] = [:]      // page index → protection (absent: unmapped)
        var value: [UInt64: UInt64] = [:]         // page index → value at offset 0 (absent: 0)
    }

    static let page: UInt64 = 4096
    static let arena: UInt64 = 0x1000_0000       // 64 pages from here
    static let pages: UInt64 = 64

    /// Four seeds by default, twenty with VMLAB_LONG_TESTS=1 (`Scripts/test --long`).
    static let seeds: [UInt64] = Array(1...(TestScale.isLong ? 20 : 4))

    @Test(arguments: seeds)
    func randomSyscallsMatchTheModel(seed: UInt64) throws {
        let m = try Machine(memoryBytes: 8 << 20, seed: seed)
        try Self.exercise(m, try m.kernel, seed: seed)
    }

    /// The same walk with transparent huge pages "always" over an arena of two huge pages:
    /// faults map huge pages, system calls on parts of them split them, khugepaged collapses and
    /// compaction moves pages between the steps.
    @Test(arguments: [9, 11, 12] as [UInt64])   // seeds whose walks reach fault, split, collapse and compaction
    func randomSyscallsWithTransparentHugePagesMatchTheModel(seed: UInt64) throws {
        let m = try Machine(memoryBytes: 64 << 20, seed: seed)
        let k = try m.kernel
        try k.setTransparentHugePages(.always)
        try Self.exercise(m, k, seed: seed, pages: 1024)
        #expect(k.hugePages.counters.thpFaultAlloc > 0 && k.hugePages.counters.thpSplitPage > 0)
        #expect(k.hugePages.counters.thpCollapseAlloc > 0 && k.hugePages.counters.compactMigrated > 0,
                "\(k.hugePages.counters)")
    }

    /// The random walk of `randomSyscallsMatchTheModel` on `m` (KernelSwapTests runs it with swap)
    /// over an arena of `pages` pages; system calls cover up to `pages / 8` pages (at least 8).
    static func exercise(_ m: Machine, _ k: Kernel, seed: UInt64, pages: UInt64 = Self.pages) throws {
        var rng = SeededGenerator(seed: seed)
        let thp = k.hugePages.mode != .never
        let first = try k.spawn("p0")
        first.catchSegv = true
        var procs: [(Process, Model)] = [(first, Model())]
        if thp {
            // One read-write area over the whole arena to start with: huge pages at first touch.
            var r = MmapRequest(length: pages * Self.page, protection: .readWrite)
            r.fixed = true
            r.address = Self.arena
            _ = try k.mmap(first, r)
            for i in 0..<pages { procs[0].1.prot[i] = .readWrite }
        }
        for step in 0..<(TestScale.isLong ? 3_000 : 600) {
            let pick = Int.random(in: 0..<procs.count, using: &rng)
            var (p, model) = procs[pick]
            let start = UInt64.random(in: 0..<pages, using: &rng)
            let count = UInt64.random(in: 1...min(max(8, pages / 8), pages - start), using: &rng)
            let va = Self.arena + start * Self.page
            let op = Int.random(in: 0..<100, using: &rng)
            switch op {
            case 0..<12:                                        // mmap fixed
                // With THP mostly read-write, so that areas merge back and regions can collapse.
                let choices: [Protection] = [.readWrite, Protection(read: true), .none, .readWrite, .readWrite, .readWrite]
                let prot = choices[Int.random(in: 0..<(thp ? 6 : 3), using: &rng)]
                var r = MmapRequest(length: count * Self.page, protection: prot)
                r.fixed = true
                r.address = va
                _ = try k.mmap(p, r)
                for i in start..<(start + count) { model.prot[i] = prot; model.value[i] = nil }
            case 12..<18:                                       // munmap
                try k.munmap(p, va, count * Self.page)
                for i in start..<(start + count) { model.prot[i] = nil; model.value[i] = nil }
            case 18..<24:                                       // mprotect
                let prot = [Protection.readWrite, Protection(read: true), .readWrite, .readWrite][Int.random(in: 0..<(thp ? 4 : 2), using: &rng)]
                let mapped = (start..<(start + count)).allSatisfy { model.prot[$0] != nil }
                do {
                    try k.mprotect(p, va, count * Self.page, prot)
                    #expect(mapped, "step \(step): mprotect of an unmapped range succeeded")
                    for i in start..<(start + count) { model.prot[i] = prot }
                } catch {
                    #expect(!mapped && error.errnoValue == .ENOMEM, "step \(step): \(error)")
                }
            case 24..<28:                                       // madvise dontneed
                let mapped = (start..<(start + count)).allSatisfy { model.prot[$0] != nil }
                if mapped {
                    try k.madvise(p, va, count * Self.page, .dontneed)
                    for i in start..<(start + count) { model.value[i] = nil }
                }
            case 28..<34 where procs.count < 6:                 // fork
                let child = try k.fork(p)
                procs.append((child, model))
            case 34..<37 where procs.count > 1:                 // exit
                k.exit(p)
                procs.remove(at: pick)
                #expect(k.check().isEmpty, "step \(step): \(k.check().prefix(3))")
                continue
            case 37..<70:                                       // write
                let value = UInt64.random(in: 1...UInt64.max, using: &rng)
                let allowed = model.prot[start]?.write == true
                do {
                    try k.write(p, va, value)
                    #expect(allowed, "step \(step): write to page \(start) allowed against the model")
                    model.value[start] = value
                } catch {
                    #expect(!allowed, "step \(step): \(error)")
                }
            case 70..<73 where thp:                             // khugepaged
                _ = try k.khugepaged(pages: 1024)
            case 73..<75 where thp:                             // compaction
                _ = try k.compact()
            default:                                            // read
                let allowed = model.prot[start]?.read == true
                do {
                    let got = try k.read(p, va)
                    #expect(allowed, "step \(step): read of page \(start) allowed against the model")
                    #expect(got == model.value[start] ?? 0, "step \(step): pid \(p.pid) page \(start)")
                } catch {
                    #expect(!allowed, "step \(step): \(error)")
                }
            }
            procs[pick] = (p, model)
            let problems = k.check()
            #expect(problems.isEmpty, "step \(step): \(problems.prefix(3))")
            if !problems.isEmpty { return }
        }
        let free0 = m.frames.freeFrames
        for (p, _) in procs { k.exit(p) }
        #expect(k.check().isEmpty)
        #expect(m.frames.freeFrames > free0)
        #expect(m.frames.freeFrames == m.frames.frameCount - 1, "only the kernel image is left")
    }
}

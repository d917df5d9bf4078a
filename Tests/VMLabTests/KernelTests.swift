import Testing
@testable import VMLab

/// The kernel (issue 6): processes, VMAs, system calls, the fault handler, COW fork.
/// Every test ends with `Kernel.check()` finding nothing wrong.
@Suite struct KernelTests {
    static let page: UInt64 = 4096

    /// A machine and its kernel (the kernel does not keep its machine alive: hold both).
    static func kernel(memory: UInt64 = 16 << 20) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: memory)
        return (m, try m.kernel)
    }

    static func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    static func segvReason(_ body: () throws -> Void) -> SegvReason? {
        do { try body() } catch let KernelError.segv(fault) { return fault.reason } catch { return nil }
        return nil
    }

    @Test func mallocStoryUsesFramesOnlyForTouchedPages() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("malloc")
        let free0 = k.machine.frames.freeFrames
        let heap = try k.mmap(p, MmapRequest(length: 1 << 20))
        #expect(k.machine.frames.freeFrames == free0, "mmap alone uses no frame")
        #expect(k.memoryStats(p).rss == 0)
        for i: UInt64 in [0, 10, 200] { try k.write(p, heap + i * Self.page + 7, 0xAB, width: 1) }
        #expect(p.counters.minorFaults == 3 && p.counters.demandZeroFaults == 3)
        #expect(k.memoryStats(p).rss == 3 * Self.page)
        // 3 data frames plus the table pages of a new PT (the PD/PDPT of the region are new too).
        let tables = UInt64(p.space.tablePages.reduce(0, +))
        #expect(free0 - k.machine.frames.freeFrames == 3 + tables - 4)   // 4 tables existed (kernel half)
        #expect(try k.read(p, heap + 10 * Self.page + 7, width: 1) == 0xAB)
        #expect(p.counters.minorFaults == 3, "a second access does not fault")
        Self.expectConsistent(k)
        try k.munmap(p, heap, 1 << 20)
        #expect(k.memoryStats(p).rss == 0)
        Self.expectConsistent(k)
        k.exit(p)
        #expect(k.machine.frames.freeFrames == free0 + 4, "exit frees the kernel-half tables too")
        Self.expectConsistent(k)
    }

    @Test func invalidAccessesGetSIGSEGVWithAReason() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("bad")
        p.catchSegv = true
        var r = MmapRequest(length: Self.page, protection: Protection(read: true))
        let ro = try k.mmap(p, r)
        r.protection = .readWrite
        let rw = try k.mmap(p, r)
        #expect(Self.segvReason { try k.write(p, ro, 1) } == .writeReadOnly)
        #expect(Self.segvReason { _ = try k.translate(p, rw, .execute) } == .executeNX)
        #expect(Self.segvReason { _ = try k.read(p, 0x1000) } == .unmapped)
        #expect(Self.segvReason { _ = try k.read(p, k.kernelBase) } == .kernelAddress)
        #expect(k.counters.segvs == 4 && p.isAlive)
        Self.expectConsistent(k)
        p.catchSegv = false
        #expect(Self.segvReason { try k.write(p, ro, 1) } == .writeReadOnly)
        #expect(!p.isAlive, "an uncaught SIGSEGV kills the process")
        #expect(throws: KernelError.self) { try k.write(p, rw, 1) }
        #expect(Self.segvReason { try k.write(p, rw, 1) } == nil, "a dead process gets ESRCH, not SIGSEGV")
        Self.expectConsistent(k)
    }

    @Test func badArgumentsGiveErrnoNotTraps() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("args")
        func errno(_ body: () throws -> Void) -> Errno? {
            do { try body() } catch let error as KernelError { return error.errnoValue } catch { return nil }
            return nil
        }
        #expect(errno { _ = try k.mmap(p, MmapRequest(length: 0)) } == .EINVAL)
        var fixed = MmapRequest(length: Self.page)
        fixed.fixed = true
        fixed.address = 0x10001
        #expect(errno { _ = try k.mmap(p, fixed) } == .EINVAL)
        fixed.address = 0x10000
        fixed.length = UInt64.max
        #expect(errno { _ = try k.mmap(p, fixed) } == .ENOMEM)
        fixed.length = 4 * Self.page
        let a = try k.mmap(p, fixed)
        try k.write(p, a, 42)
        fixed.length = 2 * Self.page                  // MAP_FIXED over it replaces the first two pages
        #expect(try k.mmap(p, fixed) == a)
        #expect(try k.read(p, a) == 0, "replaced by fresh zero pages")
        #expect(p.vmas.count == 1, "the new area merges with the rest of the old one (same flags), as on Linux")
        #expect(errno { try k.munmap(p, 0x7000_0000, 8 * Self.page) } == nil, "munmap of a hole is fine")
        #expect(errno { try k.mprotect(p, a, 8 * Self.page, .readWrite) } == .ENOMEM, "beyond the VMA")
        #expect(errno { try k.mprotect(p, a + 1, Self.page, .readWrite) } == .EINVAL)
        k.exit(p)
        #expect(errno { try k.write(p, a, 1) } == .ESRCH)
        #expect(errno { _ = try k.mmap(p, MmapRequest(length: Self.page)) } == .ESRCH)
        Self.expectConsistent(k)
    }

    @Test func mprotectAndBrk() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("heap")
        p.catchSegv = true
        let start = p.brk
        #expect(try k.sbrk(p, 3 * Int(Self.page)) == start)
        try k.write(p, start + 2 * Self.page, 5)
        #expect(k.maps(p).contains("[heap]"))
        try k.mprotect(p, start, Self.page, Protection(read: true))
        #expect(p.vmas.count == 2, "mprotect of the first page splits the heap")
        #expect(Self.segvReason { try k.write(p, start, 1) } == .writeReadOnly)
        try k.mprotect(p, start, Self.page, .readWrite)
        #expect(p.vmas.count == 1, "equal neighbours merge again")
        try k.write(p, start, 1)
        _ = try k.brk(p, start + Self.page)
        #expect(Self.segvReason { _ = try k.read(p, start + 2 * Self.page) } == .unmapped)
        #expect(try k.brk(p, 0) == start + Self.page, "brk(0) asks for the break")
        Self.expectConsistent(k)
    }

    @Test func copyOnWriteForkKeepsEachSidesData() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let parent = try k.spawn("parent")
        let a = try k.mmap(parent, MmapRequest(length: 4 * Self.page))
        for i: UInt64 in 0..<4 { try k.write(parent, a + i * Self.page, 100 + i) }
        let free0 = k.machine.frames.freeFrames
        let child = try k.fork(parent)
        #expect(k.machine.frames.freeFrames + UInt64(child.space.tablePages.reduce(0, +)) == free0,
                "fork copies no data page, only page tables")
        Self.expectConsistent(k)
        try k.write(parent, a, 1)
        try k.write(child, a, 2)
        #expect(try k.read(parent, a) == 1 && k.read(child, a) == 2)
        #expect(try k.read(child, a + Self.page) == 101)
        #expect(parent.counters.cowCopies == 1 && child.counters.cowReuses == 1,
                "the first writer copies, the last sharer reuses the frame")
        Self.expectConsistent(k)
        k.exit(child)
        Self.expectConsistent(k)
        try k.write(parent, a + Self.page, 7)
        #expect(parent.counters.cowReuses == 1, "after the child exits the page is the parent's alone")
        Self.expectConsistent(k)
    }

    @Test func aProcessUsingTwoThirdsOfMemoryCanFork() throws {
        let (m, k) = try Self.kernel(memory: 16 << 20)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("big")
        let pages = k.machine.frames.frameCount * 2 / 3
        let a = try k.mmap(p, MmapRequest(length: pages * Self.page))
        for i in 0..<pages { try k.write(p, a + i * Self.page, i) }
        let child = try k.fork(p)
        try k.write(child, a, 999)
        #expect(try k.read(p, a) == 0 && k.read(child, a) == 999 && k.read(child, a + 5 * Self.page) == 5)
        Self.expectConsistent(k)
    }

    @Test func forkWhenMemoryIsExhaustedLeavesNothingBehind() throws {
        let (m, k) = try Self.kernel(memory: 1 << 20)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("greedy")
        let a = try k.mmap(p, MmapRequest(length: 1 << 20))
        var touched: UInt64 = 0
        while k.machine.frames.freeFrames > 3 {
            try k.write(p, a + touched * Self.page, touched)
            touched += 1
        }
        let free0 = k.machine.frames.freeFrames
        #expect(throws: KernelError.self) { _ = try k.fork(p) }
        #expect(k.machine.frames.freeFrames == free0 && k.processes.count == 1)
        Self.expectConsistent(k)
        #expect(try k.read(p, a + (touched - 1) * Self.page) == touched - 1)
    }

    @Test func threeProcessesWritingCOWPagesThenAllExit() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let free0 = k.machine.frames.freeFrames
        let p = try k.spawn("p")
        let a = try k.mmap(p, MmapRequest(length: 8 * Self.page))
        for i: UInt64 in 0..<8 { try k.write(p, a + i * Self.page, i) }
        let c1 = try k.fork(p), c2 = try k.fork(c1)
        for (n, q) in [p, c1, c2].enumerated() {
            for i: UInt64 in 0..<8 where i % 3 == UInt64(n) { try k.write(q, a + i * Self.page, 1000 * UInt64(n + 1) + i) }
        }
        for (n, q) in [p, c1, c2].enumerated() {
            for i: UInt64 in 0..<8 {
                let want = i % 3 == UInt64(n) ? 1000 * UInt64(n + 1) + i : i
                #expect(try k.read(q, a + i * Self.page) == want)
            }
        }
        Self.expectConsistent(k)
        for q in [c2, p, c1] { k.exit(q) }
        #expect(k.machine.frames.freeFrames == free0)
        Self.expectConsistent(k)
    }

    @Test func thousandForksAndExitsLeaveTheFrameCount() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("loop")
        let a = try k.mmap(p, MmapRequest(length: 4 * Self.page))
        try k.write(p, a, 1)
        let free0 = k.machine.frames.freeFrames
        for i in 0..<1000 {
            let c = try k.fork(p)
            if i % 2 == 0 { try k.write(c, a, UInt64(i)) }
            k.exit(c)
        }
        #expect(k.machine.frames.freeFrames == free0)
        #expect(try k.read(p, a) == 1)
        Self.expectConsistent(k)
    }

    @Test func kernelWriteIntoACOWPageCopiesIt() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("p")
        let a = try k.mmap(p, MmapRequest(length: Self.page))
        try k.write(p, a, 5)
        let c = try k.fork(p)
        try k.copyToUser(c, a, [9])
        #expect(try k.read(p, a) == 5 && k.read(c, a) == 9, "copy_to_user broke COW")
        #expect(c.counters.cowCopies == 1)
        #expect(throws: KernelError.self) { try k.copyToUser(c, 0x1000, [1]) }
        Self.expectConsistent(k)
    }

    @Test func reserveThenCommit() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("win")
        p.catchSegv = true
        let r = try k.reserve(p, length: 16 * Self.page)
        #expect(Self.segvReason { try k.write(p, r, 1) } == .reservedNotCommitted)
        try k.commit(p, r, 2 * Self.page)
        try k.write(p, r, 1)
        #expect(p.counters.minorFaults == 1)
        try k.write(p, r + 8, 2)
        #expect(p.counters.minorFaults == 1, "no fault after the first touch")
        #expect(Self.segvReason { _ = try k.read(p, r + 2 * Self.page) } == .reservedNotCommitted)
        try k.decommit(p, r, 2 * Self.page)
        #expect(Self.segvReason { _ = try k.read(p, r) } == .reservedNotCommitted)
        // The same with PROT_NONE + mprotect.
        let n = try k.mmap(p, MmapRequest(length: 4 * Self.page, protection: .none))
        #expect(Self.segvReason { _ = try k.read(p, n) } == .reservedNotCommitted)
        try k.mprotect(p, n, Self.page, .readWrite)
        try k.write(p, n, 3)
        #expect(p.counters.minorFaults == 2)
        #expect(try k.read(p, n) == 3 && p.counters.minorFaults == 2)
        try k.mprotect(p, n, Self.page, .none)
        #expect(Self.segvReason { _ = try k.read(p, n) } == .reservedNotCommitted)
        try k.mprotect(p, n, Self.page, Protection(read: true))
        #expect(try k.read(p, n) == 3, "PROT_NONE kept the page")
        Self.expectConsistent(k)
    }

    @Test func stackGrowsIntoItsRoomButNotIntoTheGuardPage() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("stack")
        p.catchSegv = true
        var r = MmapRequest(length: 8 * Self.page)
        r.stack = true
        let base = try k.mmap(p, r)
        let top = base + 8 * Self.page
        try k.write(p, top - 8, 1)
        try k.write(p, base + 100, 2)                    // deep growth
        #expect(p.counters.stackGrowths == 1)
        #expect(p.vma(containing: base)?.flags.contains(.stack) == true)
        #expect(Self.segvReason { try k.write(p, base - 8, 3) } == .guardPage)
        #expect(Self.segvReason { try k.write(p, base - Self.page - 8, 3) } == .unmapped)
        Self.expectConsistent(k)
    }

    @Test func sharedAnonymousMemoryIsSharedAcrossFork() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let free0 = k.machine.frames.freeFrames
        let p = try k.spawn("p")
        var r = MmapRequest(length: 2 * Self.page)
        r.shared = true
        let s = try k.mmap(p, r)
        try k.write(p, s, 1)
        let c = try k.fork(p)
        try k.write(c, s, 2)
        try k.write(c, s + Self.page, 3)
        #expect(try k.read(p, s) == 2 && k.read(p, s + Self.page) == 3)
        #expect(c.counters.cowCopies == 0)
        Self.expectConsistent(k)
        k.exit(p)
        k.exit(c)
        #expect(k.machine.frames.freeFrames == free0)
        Self.expectConsistent(k)
    }
    @Test func swapEntryHookBringsAPageBack() throws {
        let (m, k) = try Self.kernel()
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("swapped")
        let a = try k.mmap(p, MmapRequest(length: 2 * Self.page))
        try k.write(p, a, 77)
        // Swap the page out by hand, as the swap issue will: keep its bytes, free the frame,
        // leave a not-present PTE carrying slot 5.
        let slot = try #require(try k.leafSlot(p.space, a, create: false))
        let raw = try p.space.readEntry(slot)
        let saved = try m.memory.readBytes(p.space.frameAddress(raw), count: Int(Self.page))
        try p.space.writeEntry(slot, k.swapEntry(slot: 5))
        p.space.mappedBytes -= Self.page
        k.adjustFrame(k.entryFrame(p.space, raw), refs: -1, maps: -1)
        m.processors.mappingsChanged(p.space, va: a, length: Self.page)
        #expect(k.swapSlot(try p.space.readEntry(slot)) == 5)
        #expect(k.memoryStats(p).swapped == Self.page && k.memoryStats(p).rss == 0)
        Self.expectConsistent(k)
        p.catchSegv = true
        #expect(Self.segvReason { _ = try k.read(p, a) } == .noSwap, "no swap device: SIGSEGV")
        k.swapInHook = { _, va, slot throws(KernelError) in
            #expect(va == a && slot == 5)
            let frame = try k.allocFrame(owner: p.space.owner, call: "swap-in")
            try? m.memory.writeBytes(m.memory.address(frame: frame), saved)
            return frame
        }
        #expect(try k.read(p, a) == 77)
        #expect(p.counters.majorFaults == 1)
        Self.expectConsistent(k)
        // A swap entry copied by fork and dropped by exit reaches the duplicate and free hooks.
        try p.space.writeEntry(try #require(try k.leafSlot(p.space, a + Self.page, create: true)), k.swapEntry(slot: 9))
        var duplicated: [UInt64] = [], freed: [UInt64] = []
        k.swapDuplicateHook = { duplicated.append($0) }
        k.swapFreeHook = { freed.append($0) }
        let c = try k.fork(p)
        k.exit(c)
        #expect(duplicated == [9] && freed == [9])
        Self.expectConsistent(k)
    }
    @Test func hugepageAreasMapWholeHugePages() throws {
        let (m, k) = try Self.kernel(memory: 32 << 20)
        defer { withExtendedLifetime(m) {} }
        let huge: UInt64 = 2 << 20
        #expect(k.hugePageBytes == huge)
        let p = try k.spawn("huge")
        p.catchSegv = true
        var r = MmapRequest(length: 3 * huge - 5, protection: .readWrite)
        r.hugepage = true
        let a = try k.mmap(p, r)
        #expect(a % huge == 0 && p.vmas.first?.length == 3 * huge, "aligned, length rounded up to huge pages")
        let free0 = m.frames.freeFrames, tables0 = p.space.tablePages.reduce(0, +)
        try k.write(p, a + 12345, 7)
        #expect(p.counters.minorFaults == 1 && k.memoryStats(p).rss == huge && k.memoryStats(p).huge == huge)
        #expect(k.lastAccess.pageBytes == huge, "the MMU translated through a huge-page leaf")
        #expect(free0 - m.frames.freeFrames == 512 + UInt64(p.space.tablePages.reduce(0, +) - tables0),
                "one 2 MiB block and the tables above it")
        #expect(p.space.tablePages.last == 1, "no leaf table for the huge page (the one there is the kernel half's)")
        try k.write(p, a + huge - 8, 8)
        #expect(try p.counters.minorFaults == 1 && k.read(p, a + 12345) == 7)
        Self.expectConsistent(k)
        func errno(_ body: () throws -> Void) -> Errno? {
            do { try body() } catch let error as KernelError { return error.errnoValue } catch { return nil }
            return nil
        }
        #expect(errno { try k.munmap(p, a + Self.page, Self.page) } == .EINVAL, "inside a huge page")
        #expect(errno { try k.mprotect(p, a, Self.page, Protection(read: true)) } == .EINVAL)
        var fixed = r
        fixed.fixed = true
        fixed.address = 0x4000_1000
        #expect(errno { _ = try k.mmap(p, fixed) } == .EINVAL, "a fixed hugepage mapping must be aligned")
        // COW of a huge page copies it whole.
        let c = try k.fork(p)
        try k.write(c, a + 12345, 9)
        #expect(try k.read(p, a + 12345) == 7 && k.read(c, a + 12345) == 9 && k.read(c, a + huge - 8) == 8)
        #expect(c.counters.cowCopies == 1)
        Self.expectConsistent(k)
        try k.mprotect(p, a, huge, Protection(read: true))
        #expect(Self.segvReason { try k.write(p, a, 1) } == .writeReadOnly)
        try k.munmap(p, a, huge)
        #expect(k.memoryStats(p).rss == 0)
        Self.expectConsistent(k)
        k.exit(c)
        k.exit(p)
        #expect(m.frames.freeFrames == m.frames.frameCount - 1)
        Self.expectConsistent(k)
    }
}

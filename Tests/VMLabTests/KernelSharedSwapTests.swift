import Testing
@testable import VMLab

/// Reclaim of shared anonymous memory (issue 7, shmem-like): a page shared by several processes
/// goes to one swap slot owned by its memory object, is unmapped from every sharer, comes back
/// once (one swap-in) and is then mapped from the page cache by the others; clean pages read back
/// are dropped without a write. `Kernel.check()` is clean after every step.
@Suite struct KernelSharedSwapTests {
    static let page: UInt64 = 4096

    /// A machine of `frames` frames, a swap device of `slots` slots and FIFO (pages go in the
    /// order they came, so a test knows what is evicted).
    static func machine(frames: UInt64 = 64, slots: UInt64 = 1024) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: frames * page)
        let k = try m.kernel
        try k.enableSwap(bytes: slots * page)
        try k.setPolicy(.fifo)
        return (m, k)
    }

    static func value(_ i: UInt64, round: UInt64 = 0) -> UInt64 { 0x7777_0000_0000 &+ i &* 104_729 &+ round << 40 }

    /// A parent and its child sharing `pages` pages of MAP_SHARED|MAP_ANONYMOUS memory, each
    /// page written by the parent with `value(i)`; the parent also has a private `filler` of 256
    /// pages to push pages out with.
    static func sharers(_ k: Kernel, pages: UInt64) throws -> (parent: Process, child: Process, shared: UInt64, filler: UInt64) {
        let p = try k.spawn("parent")
        var r = MmapRequest(length: pages * page)
        r.shared = true
        let shared = try k.mmap(p, r)
        for i in 0..<pages { try k.write(p, shared + i * page + 8 * (i % 64), value(i)) }
        let child = try k.fork(p)
        let filler = try k.mmap(p, MmapRequest(length: 256 * page))
        return (p, child, shared, filler)
    }

    /// Writes filler pages until every page of the shared object is out of memory.
    static func pushOut(_ k: Kernel, _ p: Process, _ filler: UInt64, _ object: MemoryObject) throws {
        var n: UInt64 = 0
        while !object.cache.isEmpty {
            try k.write(p, filler + (n % 256) * page, n)
            n += 1
            if n > 4096 { Issue.record("the shared pages never left memory"); return }
        }
    }

    static func object(_ p: Process, _ va: UInt64) throws -> MemoryObject {
        try #require(p.vma(containing: va)?.object)
    }

    /// Two processes share 16 pages; pressure evicts all of them (one slot each, owned by the
    /// object, PTEs emptied in both); the child reads them back (16 swap-ins, its own), the parent
    /// then maps the same frames (cache hits, no swap-in); data intact, check() clean.
    @Test func sharedPagesGoToOneSlotAndComeBackOnce() throws {
        let (m, k) = try Self.machine()
        defer { withExtendedLifetime(m) {} }
        let (p, c, shared, filler) = try Self.sharers(k, pages: 16)
        let object = try Self.object(p, shared)
        #expect(k.memoryStats(p).pss == Double(16 * Self.page) / 2)
        let r = try #require(k.reclaimer)
        try Self.pushOut(k, p, filler, object)
        KernelSwapTests.expectConsistent(k)
        #expect(object.swapSlots.count == 16)
        #expect(Set(object.swapSlots.values).count == 16, "one slot per page")
        for slot in object.swapSlots.values { #expect(k.swap?.users[slot] == 1, "the object is the slot's one user") }
        for i in 0..<UInt64(16) {
            #expect(k.readPTE(p.space, shared + i * Self.page) == 0 && k.readPTE(c.space, shared + i * Self.page) == 0,
                    "unmapped from both sharers, no swap entry in their PTEs")
        }
        #expect(k.memoryStats(c).rss == 0 || k.memoryStats(c).rss < 16 * Self.page)
        #expect(k.memoryStats(c).swapped >= 16 * Self.page, "smaps counts the object's swapped pages in the area")
        let ins = r.counters.swapIns
        let childIns = c.counters.swapIns
        for i in 0..<UInt64(16) { #expect(try k.read(c, shared + i * Self.page + 8 * (i % 64)) == Self.value(i)) }
        #expect(r.counters.swapIns - ins == 16 && c.counters.swapIns - childIns == 16)
        KernelSwapTests.expectConsistent(k)
        let parentIns = p.counters.swapIns
        for i in 0..<UInt64(16) { #expect(try k.read(p, shared + i * Self.page + 8 * (i % 64)) == Self.value(i)) }
        #expect(r.counters.swapIns - ins == 16 && p.counters.swapIns == parentIns, "the parent's faults were cache hits")
        for i in 0..<UInt64(16) {
            let a = k.readPTE(p.space, shared + i * Self.page), b = k.readPTE(c.space, shared + i * Self.page)
            #expect(k.isPresent(a) && k.entryFrame(p.space, a) == k.entryFrame(c.space, b), "both map the same frame")
        }
        #expect(k.memoryStats(p).pss == Double(16 * Self.page) / 2 + Double(k.memoryStats(p).rss - 16 * Self.page))
        KernelSwapTests.expectConsistent(k)
    }

    /// Pages read back and not written are dropped without a write (the object's slot still
    /// holds them); a page written by either sharer is written back into its slot; writes by one
    /// sharer survive swap and are what the other reads.
    @Test func cleanDropAndDirtyWriteBackThroughTheObjectSlot() throws {
        let (m, k) = try Self.machine()
        defer { withExtendedLifetime(m) {} }
        let (p, c, shared, filler) = try Self.sharers(k, pages: 8)
        let object = try Self.object(p, shared)
        let r = try #require(k.reclaimer)
        try Self.pushOut(k, p, filler, object)
        let slots = object.swapSlots
        for i in 0..<UInt64(8) { _ = try k.read(c, shared + i * Self.page) }       // back in, clean
        try k.write(c, shared + 3 * Self.page, Self.value(3, round: 1))           // one dirtied by the child
        let (writes, drops) = (r.counters.writebacks, r.counters.cleanDrops)
        try Self.pushOut(k, p, filler, object)
        KernelSwapTests.expectConsistent(k)
        #expect(object.swapSlots == slots, "the same slots")
        #expect(r.counters.swapOuts == r.counters.writebacks + r.counters.cleanDrops)
        let sharedWrites = r.counters.writebacks - writes, sharedDrops = r.counters.cleanDrops - drops
        #expect(sharedDrops >= 7, "seven clean shared pages dropped (\(sharedDrops))")
        #expect(sharedWrites >= 1)
        #expect(try k.read(p, shared + 3 * Self.page) == Self.value(3, round: 1), "the parent reads the child's write")
        for i in 0..<UInt64(8) where i != 3 { #expect(try k.read(p, shared + i * Self.page + 8 * (i % 64)) == Self.value(i)) }
        KernelSwapTests.expectConsistent(k)
    }

    /// Exit of every sharer frees the object and its slots; a munmap in one sharer keeps them
    /// for the other.
    @Test func slotsLiveAsLongAsTheObject() throws {
        let (m, k) = try Self.machine()
        defer { withExtendedLifetime(m) {} }
        let (p, c, shared, filler) = try Self.sharers(k, pages: 8)
        let object = try Self.object(p, shared)
        try Self.pushOut(k, p, filler, object)
        try k.munmap(c, shared, 8 * Self.page)
        KernelSwapTests.expectConsistent(k)
        #expect(object.swapSlots.count == 8)
        for i in 0..<UInt64(8) { #expect(try k.read(p, shared + i * Self.page + 8 * (i % 64)) == Self.value(i)) }
        k.exit(c)
        k.exit(p)
        #expect(k.swap?.usedCount == 0, "every slot given back")
        KernelSwapTests.expectConsistent(k)
    }

    @Test func execGivesBackASharedObjectNobodyMaps() throws {
        let (m, k) = try Self.machine()
        defer { withExtendedLifetime(m) {} }
        let (p, c, shared, filler) = try Self.sharers(k, pages: 8)
        let object = try Self.object(p, shared)
        try Self.pushOut(k, p, filler, object)
        #expect(k.swap?.usedCount ?? 0 >= 8)
        try k.exec(c, name: "other")
        #expect(object.swapSlots.count == 8, "the parent still maps it")
        try k.exec(p, name: "other")
        #expect(object.swapSlots.isEmpty && object.cache.isEmpty, "exec let go of the object as exit does")
        #expect(k.swap?.usedCount == 0, "every slot given back")
        KernelSwapTests.expectConsistent(k)
    }

    /// Swap too small for everything: reclaim evicts what fits, the OOM killer takes the
    /// biggest process when nothing more can go, the survivor's data (shared pages included)
    /// reads back, and check() stays clean.
    @Test func fullSwapWithSharedPagesEndsInTheOOMKillerNotInCorruption() throws {
        let (m, k) = try Self.machine(frames: 64, slots: 24)
        defer { withExtendedLifetime(m) {} }
        let (p, c, shared, _) = try Self.sharers(k, pages: 8)
        let hog = try k.spawn("hog")
        let big = try k.mmap(hog, MmapRequest(length: 200 * Self.page))
        var died = false
        for i in 0..<UInt64(200) {
            do { try k.write(hog, big + i * Self.page, i) } catch { died = true; break }
            KernelSwapTests.expectConsistent(k)
        }
        #expect(died || !hog.isAlive, "the hog cannot have 200 pages in 64 frames + 24 slots")
        #expect(k.reclaimer?.counters.ooms ?? 0 >= 1)
        if p.isAlive && c.isAlive {
            for i in 0..<UInt64(8) { #expect(try k.read(c, shared + i * Self.page + 8 * (i % 64)) == Self.value(i)) }
        }
        KernelSwapTests.expectConsistent(k)
    }
}

import Testing
@testable import VMLab

/// Swapping page tables out (issue 7 item 2, "not page tables unless configured"): with the
/// option on, reclaim swaps out last-level tables whose entries are all not present, a fault
/// reads the table back first; with it off no table ever leaves memory. check() understands
/// swapped-out tables and still catches a real inconsistency.
@Suite struct KernelTableSwapTests {
    static let page: UInt64 = 4096
    static let span: UInt64 = 2 << 20          // bytes one x86_64 leaf table maps

    /// An x86_64 machine of `frames` frames with swap and FIFO; page tables swappable when `tables`.
    static func machine(frames: UInt64 = 128, tables: Bool) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: frames * page)
        let k = try m.kernel
        try k.enableSwap(bytes: 4096 * page)
        try k.setPolicy(.fifo)
        if tables { try k.setSwapsPageTables(true) }
        return (m, k)
    }

    static func value(_ i: UInt64) -> UInt64 { 0x7AB1_0000_0000 &+ i &* 2_654_435_761 }

    /// A sparse process: one page written every 2 MiB (one leaf table per page) over `pages`.
    static func sparse(_ k: Kernel, pages: UInt64) throws -> (Process, UInt64) {
        let p = try k.spawn("sparse")
        var r = MmapRequest(length: pages * span)
        r.address = 0x1000_0000_0000
        r.fixed = true
        let a = try k.mmap(p, r)
        return (p, a)
    }

    static func leafTables(_ p: Process) -> Int { p.space.tablePages[3] }

    /// 200 sparse pages (200 leaf tables) on a 128-frame machine: only possible because tables
    /// go to swap. Data survives two passes; tables come back on faults (counted, costed);
    /// check() is clean throughout; exit gives every slot back.
    @Test func sparseProcessSwapsItsTablesAndKeepsItsData() throws {
        let (m, k) = try Self.machine(tables: true)
        defer { withExtendedLifetime(m) {} }
        let (p, a) = try Self.sparse(k, pages: 200)
        let kernelTables = Self.leafTables(p)          // the kernel half's
        for i in 0..<UInt64(200) {
            try k.write(p, a + i * Self.span + 8 * (i % 512), Self.value(i))
            if i % 16 == 15 { KernelSwapTests.expectConsistent(k) }
        }
        let r = try #require(k.reclaimer)
        #expect(r.counters.tableSwapOuts > 50, "tables went to swap (\(r.counters.tableSwapOuts))")
        #expect(Self.leafTables(p) < 128 && r.swappedTables > 0)
        #expect(Self.leafTables(p) - kernelTables + r.swappedTables == 200, "each table is in memory or in swap")
        #expect(k.memoryStats(p).pageTableBytes < 200 * Self.page)
        KernelSwapTests.expectConsistent(k)
        let cycles = m.counters.cycles
        let ins = r.counters.tableSwapIns
        for i in (0..<UInt64(200)).reversed() {
            #expect(try k.read(p, a + i * Self.span + 8 * (i % 512)) == Self.value(i))
            if i % 16 == 0 { KernelSwapTests.expectConsistent(k) }
        }
        #expect(r.counters.tableSwapIns - ins > 50, "reads under swapped tables read them back first")
        #expect(m.counters.cycles - cycles >= (r.counters.tableSwapIns - ins) * k.swap!.readLatency)
        for i in 0..<UInt64(200) { #expect(try k.read(p, a + i * Self.span + 8 * (i % 512)) == Self.value(i)) }
        #expect(k.memoryStats(p).swapped + k.memoryStats(p).rss == 200 * Self.page, "every page counted once")
        KernelSwapTests.expectConsistent(k)
        k.exit(p)
        #expect(k.swap?.usedCount == 0 && r.swappedTables == 0)
        KernelSwapTests.expectConsistent(k)
    }

    /// The same kind of process, small enough to fit with its tables, with the option off: data
    /// pages go to swap, no table ever does.
    @Test func withTheOptionOffNoTableLeaves() throws {
        let (m, k) = try Self.machine(tables: false)
        defer { withExtendedLifetime(m) {} }
        let (p, a) = try Self.sparse(k, pages: 40)
        let filler = try k.mmap(p, MmapRequest(length: 200 * Self.page))
        for i in 0..<UInt64(40) { try k.write(p, a + i * Self.span, Self.value(i)) }
        for i in 0..<UInt64(200) { try k.write(p, filler + i * Self.page, i) }
        let r = try #require(k.reclaimer)
        #expect(r.counters.swapOuts > 40)
        #expect(r.counters.tableSwapOuts == 0 && r.swappedTables == 0 && Self.leafTables(p) >= 40)
        for i in 0..<UInt64(40) { #expect(try k.read(p, a + i * Self.span) == Self.value(i)) }
        #expect(r.counters.tableSwapIns == 0)
        KernelSwapTests.expectConsistent(k)
    }

    /// munmap of part of a swapped-out table's range edits its swap image (the slots it names
    /// are freed) without reading it back; fork reads the parent's tables back and the child
    /// sees every page.
    @Test func munmapAndForkWithTablesInSwap() throws {
        let (m, k) = try Self.machine(tables: true)
        defer { withExtendedLifetime(m) {} }
        let (p, a) = try Self.sparse(k, pages: 100)
        // Two pages per table: the first and the last page of each 2 MiB span.
        for i in 0..<UInt64(100) {
            try k.write(p, a + i * Self.span, Self.value(i))
            try k.write(p, a + (i + 1) * Self.span - Self.page, Self.value(i + 1000))
        }
        let r = try #require(k.reclaimer)
        #expect(r.swappedTables > 10)
        let ins = r.counters.tableSwapIns
        for i in 0..<UInt64(100) { try k.munmap(p, a + (i + 1) * Self.span - Self.page, Self.page) }
        #expect(r.counters.tableSwapIns == ins, "munmap did not read tables back")
        KernelSwapTests.expectConsistent(k)
        let swappedBefore = r.swappedTables
        let c = try k.fork(p)
        #expect(r.swappedTables == 2 * swappedBefore, "the child has its own copy of each swapped-out table")
        KernelSwapTests.expectConsistent(k)
        let childIns = r.counters.tableSwapIns
        for i in 0..<UInt64(100) { #expect(try k.read(c, a + i * Self.span) == Self.value(i)) }
        #expect(r.counters.tableSwapIns > childIns, "the child's copies of the tables came back from swap")
        KernelSwapTests.expectConsistent(k)
        for i in 0..<UInt64(100) { #expect(try k.read(p, a + i * Self.span) == Self.value(i)) }
        k.exit(c)
        k.exit(p)
        #expect(k.swap?.usedCount == 0)
        KernelSwapTests.expectConsistent(k)
    }

    /// check() finds what is wrong with a swapped-out table: a slot count that does not match
    /// an entry inside it, and a present entry inside it.
    @Test func checkCatchesABrokenSwappedTable() throws {
        let (m, k) = try Self.machine(tables: true)
        defer { withExtendedLifetime(m) {} }
        let (p, a) = try Self.sparse(k, pages: 200)
        for i in 0..<UInt64(200) { try k.write(p, a + i * Self.span, Self.value(i)) }
        KernelSwapTests.expectConsistent(k)
        let swap = try #require(k.swap)
        var out: (base: UInt64, slot: Int)?
        k.forEachSwappedTable(p.space, 0, k.userTop) { base, _, slot in if out == nil { out = (base, slot) } }
        let table = try #require(out)
        var entries = k.tableEntries(swap.load(table.slot))
        let first = try #require(entries.firstIndex { k.swapSlot($0) != nil })
        let dataSlot = Int(try #require(k.swapSlot(entries[first])))
        swap.users[dataSlot] += 1
        #expect(k.check().contains { $0.contains("swap slot \(dataSlot): user count") })
        swap.users[dataSlot] -= 1
        KernelSwapTests.expectConsistent(k)
        let saved = swap.load(table.slot)
        entries[first] = 0x1000 | k.mode.layout.present
        swap.store(table.slot, k.tableImage(entries))
        #expect(k.check().contains { $0.contains("holds a present entry") })
        swap.store(table.slot, saved)
        KernelSwapTests.expectConsistent(k)
    }

    /// The random system calls of `KernelPropertyTests` (mmap, munmap, mprotect, dontneed, fork,
    /// exit, reads and writes against a model) on a small sv32 machine with page tables
    /// swappable, over an arena of four leaf tables: data reads back as the model says and
    /// check() stays clean after every step, whatever tables went to swap.
    @Test(arguments: [1, 5, 8] as [UInt64])
    func randomSyscallsWithPageTablesInSwap(seed: UInt64) throws {
        let m = try Machine(memoryBytes: 40 * Self.page, mode: .sv32, seed: seed)
        let k = try m.kernel
        try k.enableSwap(bytes: 4096 * Self.page)
        try k.setPolicy(.clock)
        try k.setSwapsPageTables(true)
        try KernelPropertyTests.exercise(m, k, seed: seed, pages: 4096)
        let r = try #require(k.reclaimer)
        #expect(r.counters.swapOuts > 10, "pages went to swap")
        #expect(r.counters.tableSwapOuts > 0, "some table went to swap")
        #expect(k.swap?.usedCount == 0 && r.swappedTables == 0)
    }

    @Test func refusals() throws {
        let m = try Machine(memoryBytes: 64 * Self.page)
        let k = try m.kernel
        #expect(throws: KernelError.self) { try k.setSwapsPageTables(true) }   // no swap device
    }
}

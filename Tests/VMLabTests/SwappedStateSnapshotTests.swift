import Testing
@testable import VMLab

/// Snapshots of a machine with page tables and shared anonymous pages in swap: restore then
/// replay gives what replaying from the snapshot gave.
@Suite struct SwappedStateSnapshotTests {
    @Test func restoreThenReplayEqualsReplayWithTablesAndSharedPagesInSwap() throws {
        let (m, k) = try KernelTableSwapTests.machine(frames: 160, tables: true)
        let (p, a) = try KernelTableSwapTests.sparse(k, pages: 120)
        var r = MmapRequest(length: 16 * KernelTableSwapTests.page)
        r.shared = true
        let shared = try k.mmap(p, r)
        for i in 0..<UInt64(16) { try k.write(p, shared + i * KernelTableSwapTests.page, 77 + i) }
        let c = try k.fork(p)
        for i in 0..<UInt64(120) { try k.write(p, a + i * KernelTableSwapTests.span, KernelTableSwapTests.value(i)) }
        let reclaim = try #require(k.reclaimer)
        let object = try #require(p.vma(containing: shared)?.object)
        #expect(reclaim.swappedTables > 0 && !object.swapSlots.isEmpty)
        let snapshot = try m.snapshot()
        let (parentPID, childPID) = (p.pid, c.pid)
        func replay() throws -> [UInt64] {
            let p = try #require(k.process(parentPID)), c = try #require(k.process(childPID))
            let reclaim = try #require(k.reclaimer)
            var seen: [UInt64] = []
            for i in 0..<UInt64(16) { seen.append(try k.read(c, shared + i * KernelTableSwapTests.page)) }
            for i in (0..<UInt64(120)).reversed() { seen.append(try k.read(p, a + i * KernelTableSwapTests.span)) }
            seen += [UInt64(reclaim.counters.swapIns), UInt64(reclaim.counters.tableSwapIns), UInt64(reclaim.swappedTables), UInt64(m.counters.cycles)]
            KernelSwapTests.expectConsistent(k)
            return seen
        }
        let first = try replay()
        #expect(Array(first.prefix(16)) == (0..<UInt64(16)).map { 77 + $0 })
        try m.restore(snapshot)
        KernelSwapTests.expectConsistent(k)
        #expect(try replay() == first)
    }
}

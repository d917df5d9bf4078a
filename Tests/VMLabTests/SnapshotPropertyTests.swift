import Testing
@testable import VMLab

/// Random sequences of system calls and accesses, with snapshots taken, restored and forked
/// into new machines at random moments, under swap pressure, against a model of what every
/// page must hold (DESIGN.md §9). `check()` finds nothing wrong after every step.
@Suite struct SnapshotPropertyTests {
    /// Per process (by pid): the value of each mapped page of the arena (0 until written).
    typealias Model = [Int: [UInt64: UInt64]]

    static let page: UInt64 = 4096
    static let pages: UInt64 = 48

    /// Seeds run: a few by default, many more with VMLAB_LONG_TESTS=1 (`Scripts/test --long`).
    static let seeds: [UInt64] = Array(1...(TestScale.isLong ? 40 : 4))

    @Test(arguments: seeds)
    func snapshotsAgreeWithTheModel(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var m = try Machine(memoryBytes: 40 * Self.page, seed: seed)
        var k = try m.kernel
        try k.enableSwap(bytes: 512 * Self.page)
        try k.setPolicy(KernelSwapTests.policies[Int(seed) % KernelSwapTests.policies.count])
        let arena = try k.mmap(try k.spawn("p0"), MmapRequest(length: Self.pages * Self.page))
        var model: Model = [1: [:]]
        for i in 0..<Self.pages { model[1]![i] = 0 }
        var saved: [(MachineSnapshot, Model)] = []
        var machines = [m]   // the machines forked along the way stay alive until the end
        for step in 0..<(TestScale.isLong ? 3_000 : 400) {
            let pids = model.keys.sorted()
            let pid = pids[Int.random(in: 0..<pids.count, using: &rng)]
            let p = try #require(k.process(pid), "step \(step): pid \(pid) is in the model but not in the kernel")
            let index = UInt64.random(in: 0..<Self.pages, using: &rng)
            let va = arena + index * Self.page
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<0:                                                   // snapshot
                saved.append((try m.snapshot(), model))
            case 5..<5 where !saved.isEmpty:                              // restore an earlier one
                let (snapshot, then) = saved[Int.random(in: 0..<saved.count, using: &rng)]
                if snapshot.origin === m {
                    try m.restore(snapshot)
                    model = then
                }
            case 9..<9 where !saved.isEmpty:                             // go on in a forked machine
                let (snapshot, then) = saved[Int.random(in: 0..<saved.count, using: &rng)]
                m = try snapshot.forkMachine()
                k = try m.kernel
                machines.append(m)
                model = then
            case 11..<15 where model.count < 5:                          // fork (ENOMEM: page tables stay resident)
                do {
                    let child = try k.fork(p)
                    model[child.pid] = model[pid]
                } catch {
                    #expect(error.errnoValue == .ENOMEM, "seed \(seed) step \(step): \(error)")
                }
            case 15..<18 where model.count > 1:                          // exit
                k.exit(p)
                model[pid] = nil
            case 18..<22:                                                // munmap one page
                try k.munmap(p, va, Self.page)
                model[pid]![index] = nil
            case 22..<26:                                                // map it again, fixed
                var r = MmapRequest(length: Self.page)
                r.fixed = true
                r.address = va
                _ = try k.mmap(p, r)
                model[pid]![index] = 0
            case 26..<60:                                                // write
                let value = UInt64.random(in: 1...UInt64.max, using: &rng)
                if model[pid]![index] != nil {
                    try k.write(p, va, value)
                    model[pid]![index] = value
                }
            default:                                                     // read
                if let expected = model[pid]![index] {
                    #expect(try k.read(p, va) == expected, "seed \(seed) step \(step): pid \(pid) page \(index)")
                }
            }
            let problems = k.check()
            #expect(problems.isEmpty, "seed \(seed) step \(step): \(problems.prefix(3))")
            if !problems.isEmpty { return }
        }
        // Every page of every process reads back as the model says.
        for (pid, pages) in model {
            let p = try #require(k.process(pid))
            for (index, value) in pages { #expect(try k.read(p, arena + index * Self.page) == value, "pid \(pid) page \(index)") }
        }
        #expect(machines.count >= 1)
    }
}

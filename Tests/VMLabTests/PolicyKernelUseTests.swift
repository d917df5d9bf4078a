import Testing
@testable import VMLab

/// The policy protocol as the kernel will drive it: frames freed for other reasons (munmap,
/// exit) between faults, free slots reused in any order, pinned frames. Every victim must be
/// a resident, unpinned slot, and no policy may trap.
@Suite struct PolicyKernelUseTests {
    static let makers: [(String, @Sendable (FrameTable) -> any ReplacementPolicy)] = [
        ("fifo", { FIFOPolicy(frames: $0) }), ("lru", { LRUPolicy(frames: $0) }), ("mru", { MRUPolicy(frames: $0) }),
        ("random", { RandomPolicy(frames: $0, seed: 4) }), ("clock", { ClockPolicy(frames: $0) }),
        ("nru", { EnhancedClockPolicy(frames: $0) }), ("lfu", { LFUPolicy(frames: $0) }),
        ("aging", { AgingPolicy(frames: $0, bits: 4, tickEvery: 5) }), ("ws", { WorkingSetPolicy(frames: $0, tau: 6) }),
        ("wsclock", { WSClockPolicy(frames: $0, tau: 6) }), ("2q", { TwoQueuePolicy(frames: $0) }),
        ("arc", { ARCPolicy(frames: $0) }), ("lirs", { LIRSPolicy(frames: $0, hir: 2) }),
        ("clockpro", { ClockProPolicy(frames: $0) }), ("sieve", { SIEVEPolicy(frames: $0) }),
        ("s3fifo", { S3FIFOPolicy(frames: $0, small: 2) }),
    ]

    /// Random faults, accesses, munmaps and ticks. With `duplicates`, a page already resident is
    /// sometimes loaded again into another slot, as a kernel does when a frame shared after fork
    /// keeps the id of the process that loaded it and that process maps the address anew.
    func drive(_ policy: some ReplacementPolicy, _ table: FrameTable, seed: UInt64, duplicates: Bool = false) throws {
        var rng = SeededGenerator(seed: seed)
        var slotOf: [UInt64: Int] = [:]
        var untilTick = policy.tickInterval
        for _ in 0..<4000 {
            table.now += 1
            let page = rng.next(below: 30)
            let isWrite = rng.next(below: 4) == 0
            let again = duplicates && rng.next(below: 6) == 0
            if duplicates && rng.next(below: 8) == 0 {
                // An access to any resident frame (an older duplicate included).
                let resident = (0..<table.capacity).filter { table.isResident($0) }
                if !resident.isEmpty {
                    let slot = resident[Int(rng.next(below: UInt64(resident.count)))]
                    table.touch(slot, isWrite: isWrite)
                    if policy.needsEveryAccess { try policy.accessed(slot: slot, isWrite: isWrite) }
                }
            } else if let slot = slotOf[page], !again {
                table.touch(slot, isWrite: isWrite)
                if policy.needsEveryAccess { try policy.accessed(slot: slot, isWrite: isWrite) }
            } else {
                var free = (0..<table.capacity).filter { !table.isResident($0) }
                if free.isEmpty {
                    let victim = try policy.victim(for: page)
                    #expect(table.contains(victim) && table.isResident(victim) && !table.pinned(victim),
                            "\(policy.name): victim \(victim)")
                    guard table.contains(victim) && table.isResident(victim) else { return }
                    try policy.removed(slot: victim)
                    if slotOf[table.page(victim)] == victim { slotOf[table.page(victim)] = nil }
                    table.free(slot: victim)
                    free = [victim]
                }
                let slot = free[Int(rng.next(below: UInt64(free.count)))]
                table.load(slot: slot, page: page)
                if isWrite { table.touch(slot, isWrite: true) }
                if page == 7 && table.capacity > 1 && !(0..<table.capacity).contains(where: table.pinned) {
                    table.setPinned(slot, true)  // one pinned frame, never all
                }
                slotOf[page] = slot
                try policy.inserted(slot: slot)
            }
            if rng.next(below: 12) == 0 {
                // munmap: free a random resident, unpinned frame behind the policy's back.
                let resident = (0..<table.capacity).filter { table.isResident($0) && !table.pinned($0) }
                if !resident.isEmpty {
                    let slot = resident[Int(rng.next(below: UInt64(resident.count)))]
                    try policy.removed(slot: slot)
                    if slotOf[table.page(slot)] == slot { slotOf[table.page(slot)] = nil }
                    table.free(slot: slot)
                }
            }
            if untilTick > 0 {
                untilTick -= 1
                if untilTick == 0 { untilTick = policy.tickInterval; try policy.tick() }
            }
        }
    }

    @Test(arguments: 0..<makers.count)
    func survivesRemovalsAndPins(index: Int) throws {
        for seed in 1...6 {
            for capacity in [1, 2, 5, 9] {
                let table = FrameTable(capacity: capacity)
                let policy = Self.makers[index].1(table)
                #expect(policy.name == Self.makers[index].0)
                try drive(policy, table, seed: UInt64(seed))
            }
        }
    }

    @Test(arguments: 0..<makers.count)
    func survivesTwoFramesWithOnePageID(index: Int) throws {
        for seed in 1...6 {
            for capacity in [2, 5, 9] {
                let table = FrameTable(capacity: capacity)
                try drive(Self.makers[index].1(table), table, seed: UInt64(seed), duplicates: true)
            }
        }
    }
}

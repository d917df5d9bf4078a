import Testing
@testable import VMLab

/// Small cases worked out by hand from each policy's rule (see the doc comment of each policy
/// class). Pages are numbers; -p is a write to page p. Frames are filled slot 0, 1, 2, ….
@Suite struct PolicyHandCheckedTests {
    func victims(_ spec: PolicySpec, _ frames: Int, _ pages: [Int]) throws -> [Int] {
        try PolicyTestSupport.replay(spec, frames: frames, pages).victims
    }

    @Test func fifo() throws {
        // 3 frames, 1 2 3 | 4→1 1→2 2→3 5→4 | 1 2 hit | 3→1 4→2 | 5 hit
        #expect(try victims(.fifo, 3, PolicyTestSupport.belady) == [1, 2, 3, 4, 1, 2])
    }

    @Test func lru() throws {
        // 3 frames: 4→1 1→2 2→3 5→4, 1 2 hit, 3→5 4→1 5→2
        #expect(try victims(.lru, 3, PolicyTestSupport.belady) == [1, 2, 3, 4, 5, 1, 2])
    }

    @Test func opt() throws {
        // 3 frames: 4 (next uses 1@4 2@5 3@9) → 3; 5 (1@7 2@8 4@10) → 4;
        // 3: 1 and 2 never used again → lowest slot, slot 0 = 1; 4: 3 (slot 0) and 2 never again → 3.
        #expect(try victims(.opt, 3, PolicyTestSupport.belady) == [3, 4, 1, 3])
    }

    @Test func mru() throws {
        // 3 frames, loop 1 2 3 4 1 2 3 4: 4 → 3 (used last); 1 2 hit; 3 → 2; 4 hit.
        #expect(try victims(.mru, 3, [1, 2, 3, 4, 1, 2, 3, 4]) == [3, 2])
    }

    @Test func randomFollowsTheSeededGenerator() throws {
        // All frames resident and unpinned: the victim slot is the generator's draw below 3.
        var rng = SeededGenerator(seed: 7)
        var slots = [1, 2, 3]  // page in each slot
        var expected: [Int] = []
        for page in [4, 5, 6, 7] {
            let slot = Int(rng.next(below: 3))
            expected.append(slots[slot])
            slots[slot] = page
        }
        #expect(try victims(.random(seed: 7), 3, [1, 2, 3, 4, 5, 6, 7]) == expected)
        #expect(try victims(.random(seed: 7), 3, [1, 2, 3, 4, 5, 6, 7]) == expected, "same seed, same victims")
    }

    @Test func clockGivesASecondChance() throws {
        // 3 frames, hand 0. 4: sweep clears R of 1 2 3, evicts 1 (slot 0), hand → 1.
        // 2 hits (R=1). 5: hand at 2 (R=1) → clear, at 3 (R=0) → evict 3. FIFO would evict 2.
        #expect(try victims(.clock, 3, [1, 2, 3, 4, 2, 5]) == [1, 3])
        #expect(try PolicyTestSupport.replay(.clock, frames: 3, [1, 2, 3, 4, 2, 5]).result.hand == 0, "one past slot 2")
        #expect(try PolicyTestSupport.replay(.clock, frames: 3, [1, 2, 3, 4]).result.hand == 1, "one past slot 0")
        #expect(try PolicyTestSupport.replay(.lru, frames: 3, [1, 2, 3, 4]).result.hand == nil)
        #expect(try victims(.fifo, 3, [1, 2, 3, 4, 2, 5]) == [1, 2])
        // Belady: 4→1 1→2 2→3 5→4 (full sweep) 3→1 4→2.
        #expect(try victims(.clock, 3, PolicyTestSupport.belady) == [1, 2, 3, 4, 1, 2])
    }

    @Test func enhancedClockPrefersCleanUnreferenced() throws {
        // r1 w2 r3: all R=1. 4: lap1 (0,0) none; lap2 (0,1) clears every R, none; lap1 → 1 (clean), hand 1.
        // 5: from slot 1: 2 is (0,1) skip, 3 is (0,0) → 3, hand 0.
        // 6: lap1: 4 R=1, 2 dirty, 5 R=1 → none; lap2: 4 R cleared, 2 (0,1) → 2, written back.
        let (result, victims) = try PolicyTestSupport.replay(.enhancedClock, frames: 3, [1, -2, 3, 4, 5, 6])
        #expect(victims == [1, 3, 2])
        #expect(result.writebacks == 1)
    }

    @Test func lfuCountsAndBreaksTiesByLoadTime() throws {
        // 1 2 3 1: counts 1:2 2:1 3:1. 4: 2 and 3 tie at 1 → loaded earlier: 2. 5: 3 (t3) vs 4 (t5) → 3.
        #expect(try victims(.lfu, 3, [1, 2, 3, 1, 4, 5]) == [2, 3])
    }

    @Test func agingShiftsRBitsEveryTick() throws {
        // 8 bits, tick every 2 accesses. t2 tick: 1→128, 2→128. t3 load 3 (0, R=1). t4 hit 1.
        // t4 tick: 1→192, 2→64, 3→128. t5 4: keys 192, 64, 128 → 2. t6 5: 1=192, 4=R·256=256, 3=128 → 3.
        #expect(try victims(.aging(bits: 8, tickEvery: 2), 3, [1, 2, 3, 1, 4, 5]) == [2, 3])
    }

    @Test func workingSetEvictsPagesOutsideTheWindow() throws {
        // τ=3. t4 4: every R=1 → last use 4, R cleared; lowest clean slot → 1. 2 4 2 4 hit.
        // t9 5: 4, 2 have R=1 → kept; 3 has R=0, age 9−4=5 > 3 → evicted.
        #expect(try victims(.workingSet(tau: 3), 3, [1, 2, 3, 4, 2, 4, 2, 4, 5]) == [1, 3])
    }

    @Test func wsclockWritesBackOldDirtyPagesFirst() throws {
        // Same string with page 3 written: at t9 the hand cleans 3 (a write-back), passes 4 (R),
        // 2 (age 0), then takes the now clean 3.
        let (result, victims) = try PolicyTestSupport.replay(.wsclock(tau: 3), frames: 3, [1, 2, -3, 4, 2, 4, 2, 4, 5])
        #expect(victims == [1, 3])
        #expect(result.writebacks == 1)
        #expect(try PolicyTestSupport.replay(.wsclock(tau: 3), frames: 3, [1, 2, 3, 4, 2, 4, 2, 4, 5]).victims == [1, 3])
    }

    @Test func twoQueue() throws {
        // 4 frames, Kin=2, Kout=2. 5: A1in has 4 > 2 → 1 (ghost). 1: A1in 4 > 2 → 2 (ghost); 1 → Am.
        // 2: → 3 (ghost); 2 → Am. 6: A1in {5,4} not > 2 → Am's LRU 1. 7: A1in {6,5,4} → 4.
        #expect(try victims(.twoQueue(kin: 2, kout: 2), 4, [1, 2, 3, 4, 5, 1, 2, 6, 7]) == [1, 2, 3, 1, 4])
    }

    @Test func arcAdaptsTowardsRecencyAndFrequency() throws {
        // c=3, p=0. 1 2 3 in T1; 1 hit → T2. 4: REPLACE, |T1|=2 > p → T1 LRU 2 into B1.
        // 2 (in B1): p=1; |T1|=2 > 1 → 3 into B1; 2 → T2. 5: |T1|=1 = p, not in B2 → T2 LRU 1 into B2.
        // 1 (in B2): p=0; |T1|=2 > 0 → 4 into B1.
        #expect(try victims(.arc, 3, [1, 2, 3, 1, 4, 2, 5, 1]) == [2, 3, 1, 4])
    }

    @Test func lirsKeepsPagesWithShortReuseDistance() throws {
        // 3 frames, hir=1 → 2 LIR frames. 1 2: LIR. 3: HIR (S 3 2 1, Q 3). 4: Q's 3 goes (ghost in S);
        // 4 HIR. 3 (ghost in S): Q's 4 goes (ghost); 3 becomes LIR, bottom LIR 1 is demoted to Q.
        // 1 hit (HIR not in S: to S's top, end of Q). 5: Q's 1 goes. LRU would evict 1, 2, 4 instead.
        #expect(try victims(.lirs(hir: 1), 3, [1, 2, 3, 4, 3, 1, 5]) == [3, 4, 1])
        #expect(try victims(.lru, 3, [1, 2, 3, 4, 3, 1, 5]) == [1, 2, 4])
    }

    @Test func clockProPromotesPagesReusedInTheirTestPeriod() throws {
        // 3 frames, m_c = 1. 1 2 3: cold, in test, R cleared at load, hands at 1. 1 hit (R).
        // 4: handCold at 1: R=1 in test → hot, to the head (order 2 3 1); 2: R=0 → victim, stays
        // non-resident. 4 cold at the head. 5: handCold at 3 → victim (non-resident). 2: handCold
        // passes hot 1, takes 4. 2 was non-resident: m_c = 2, 2 becomes hot. LRU: 2, 3, 1.
        #expect(try victims(.clockPro, 3, [1, 2, 3, 1, 4, 5, 2]) == [2, 3, 4])
        #expect(try victims(.lru, 3, [1, 2, 3, 1, 4, 5, 2]) == [2, 3, 1])
    }

    @Test func sieveKeepsVisitedPagesInPlace() throws {
        // Queue (head..tail) 3 2 1, none visited; 1 hit → visited. 4: hand at tail 1 → clear, 2 → evict; hand → 3.
        // 5: 3 not visited → evict.
        #expect(try victims(.sieve, 3, [1, 2, 3, 1, 4, 5]) == [2, 3])
    }

    @Test func s3fifoPromotesPagesSeenTwice() throws {
        // 4 frames, small=1. S = 4 3 2 1; 1 hit twice (count 2). 5: S tail 1 has count 2 > 1 → M;
        // tail 2 → evicted into G. 6: 3 → G. 2 (in G): S tail 4 → evicted; 2 → M.
        #expect(try victims(.s3fifo(small: 1), 4, [1, 2, 3, 4, 1, 1, 5, 6, 2]) == [2, 3, 4])
    }

    @Test func pinnedPagesAreNeverVictims() throws {
        for spec in [PolicySpec.fifo, .lru, .opt, .random(seed: 1), .mru, .clock, .enhancedClock, .lfu,
                     .aging(bits: 8, tickEvery: 2), .workingSet(tau: 2), .wsclock(tau: 2),
                     .twoQueue(kin: nil, kout: nil), .arc, .sieve, .s3fifo(small: nil), .lirs(hir: nil), .clockPro] {
            var simulator = try PolicySimulator(frames: 3)
            simulator.pinnedPages = [1]
            var victims: [UInt64] = []
            simulator.onEvict = { _, page in victims.append(page) }
            _ = try simulator.run(spec, trace: try PolicyTestSupport.trace([1, 2, 3, 4, 5, 6, 2, 7, 3, 8, 1]))
            #expect(!victims.contains(1), "\(spec.name) evicted a pinned page")
            var all = try PolicySimulator(frames: 2)
            all.pinnedPages = [1, 2]
            #expect(throws: PolicyError.noEvictableFrame(policy: spec.name == "2q" ? "2q" : spec.name)) {
                _ = try all.run(spec, trace: try PolicyTestSupport.trace([1, 2, 3]))
            }
        }
    }
}

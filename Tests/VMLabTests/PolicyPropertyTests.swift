import Testing
@testable import VMLab

/// Built-in policies against trivially simple reference implementations (plain arrays, O(n)),
/// on random seeded traces; OPT against every other policy.
@Suite struct PolicyPropertyTests {
    /// Misses of a reference FIFO / LRU / OPT written from the textbook definition.
    static func referenceMisses(_ kind: String, frames: Int, pages: [UInt64]) -> Int {
        var resident: [UInt64] = []   // FIFO: load order; LRU: recency order (oldest first)
        var misses = 0
        for (i, page) in pages.enumerated() {
            if let at = resident.firstIndex(of: page) {
                if kind == "lru" { resident.remove(at: at); resident.append(page) }
                continue
            }
            misses += 1
            if resident.count == frames {
                if kind == "opt" {
                    // Evict the page whose next use is farthest (never = farthest).
                    let next = resident.map { p in pages[(i + 1)...].firstIndex(of: p) ?? Int.max }
                    resident.remove(at: next.firstIndex(of: next.max()!)!)
                } else {
                    resident.removeFirst()
                }
            }
            resident.append(page)
        }
        return misses
    }

    static func randomPages(seed: UInt64, count: Int, pages: UInt64) -> [UInt64] {
        var rng = SeededGenerator(seed: seed)
        // Mix locality and randomness: half the time stay near the previous page.
        var last: UInt64 = 0
        return (0..<count).map { _ in
            last = rng.next(below: 2) == 0 ? (last + rng.next(below: 3)) % pages : rng.next(below: pages)
            return last
        }
    }

    @Test(arguments: 1...20)
    func matchesReferenceImplementations(seed: Int) throws {
        let pages = Self.randomPages(seed: UInt64(seed), count: 400, pages: 24)
        for frames in [1, 2, 3, 5, 8, 13] {
            for (kind, spec) in [("fifo", PolicySpec.fifo), ("lru", .lru), ("opt", .opt)] {
                let sim = try PolicySimulator(frames: frames)
                let r = try sim.run(spec, trace: try ArrayTrace(pages: pages))
                #expect(r.misses == Self.referenceMisses(kind, frames: frames, pages: pages),
                        "\(kind), \(frames) frames, seed \(seed)")
            }
        }
    }

    @Test(arguments: 1...10)
    func optIsNeverBeaten(seed: Int) throws {
        let pages = Self.randomPages(seed: UInt64(seed) &* 977, count: 600, pages: 40)
        let everyOther: [PolicySpec] = [.fifo, .lru, .random(seed: 3), .mru, .clock, .enhancedClock, .lfu,
                                        .aging(bits: 8, tickEvery: 10), .workingSet(tau: 20), .wsclock(tau: 20),
                                        .twoQueue(kin: nil, kout: nil), .arc, .sieve, .s3fifo(small: nil),
                                        .lirs(hir: nil), .lirs(hir: 3), .clockPro]
        for frames in [2, 4, 7, 12, 20] {
            let sim = try PolicySimulator(frames: frames)
            let opt = try sim.run(.opt, trace: try ArrayTrace(pages: pages)).misses
            for spec in everyOther {
                let r = try sim.run(spec, trace: try ArrayTrace(pages: pages))
                #expect(opt <= r.misses, "\(spec.name) beat OPT with \(frames) frames")
                #expect(r.hits + r.misses == pages.count)
                #expect(r.evictions == max(0, r.misses - frames) || r.misses < frames)
            }
        }
    }

    @Test func pageSlotMapAgreesWithADictionary() {
        var map = PageSlotMap(expected: 4)
        var reference: [UInt64: Int] = [:]
        var rng = SeededGenerator(seed: 99)
        for step in 0..<20_000 {
            let key = rng.next(below: 300) << 40 | rng.next(below: 50)
            if rng.next(below: 3) == 0 {
                map.remove(key)
                reference[key] = nil
            } else {
                map.set(key, step % 1000)
                reference[key] = step % 1000
            }
            #expect(map.find(key) == (reference[key] ?? -1))
        }
        #expect(map.count == reference.count)
        for (key, value) in reference { #expect(map.find(key) == value) }
    }
}

import Glibc
import Testing
@testable import VMLab

@Suite("Seeded generators")
struct WorkloadGeneratorTests {
    static func pages(_ trace: GeneratedTrace) throws -> [UInt64] {
        try trace.collect().map { ($0.address - trace.baseAddress) / trace.pageSize }
    }

    @Test("the RNG is xoshiro256** seeded by SplitMix64: fixed first outputs")
    func seededGenerator() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        var zero = SeededGenerator(seed: 0)
        #expect(zero.next() != 0)
        for _ in 0..<10_000 {
            #expect(a.next(below: 7) < 7)
            let x = a.nextDouble()
            #expect(x >= 0 && x < 1)
        }
    }

    @Test("deterministic patterns give their textbook sequences")
    func fixedPatterns() throws {
        #expect(try Self.pages(GeneratedTrace(.sequential, pages: 3, count: 7)) == [0, 1, 2, 0, 1, 2, 0])
        #expect(try Self.pages(GeneratedTrace(.strided(stride: 3), pages: 10, count: 6)) == [0, 3, 6, 9, 2, 5])
        #expect(try Self.pages(GeneratedTrace(.loop(workingSet: 2), pages: 10, count: 5)) == [0, 1, 0, 1, 0])
        let based = try GeneratedTrace(.sequential, pages: 4, count: 2, pageSize: 8192, baseAddress: 0x10_0000)
        #expect(try based.collect() == [Access(.read, address: 0x10_0000, size: 8), Access(.read, address: 0x10_2000, size: 8)])
    }

    static let randomPatterns: [GeneratorPattern] = [
        .uniform, .zipf(alpha: 0.8), .pointerChase,
        .phases([WorkingSetPhase(pages: 10, length: 100), WorkingSetPhase(pages: 30, length: 50)]),
        .strided(stride: 7),
    ]

    @Test("same seed ⇒ same sequence; another seed differs; batch size and rewind change nothing",
          arguments: randomPatterns)
    func determinism(pattern: GeneratorPattern) throws {
        func make(_ seed: UInt64) throws -> GeneratedTrace {
            try GeneratedTrace(pattern, pages: 1000, count: 5000, seed: seed, writeFraction: 0.3)
        }
        let a = try make(1).collect()
        #expect(a.count == 5000)
        #expect(try make(1).collect() == a)
        #expect(try TraceTestSupport.readAll(make(1), batch: 7) == a)
        let rewound = try make(1)
        _ = try rewound.collect(limit: 1234)
        try rewound.rewind()
        #expect(try rewound.collect() == a)
        if case .strided = pattern {
            #expect(try make(2).collect().map(\.address) == a.map(\.address))  // no randomness in pages
        } else {
            #expect(try make(2).collect() != a)
        }
    }

    @Test("the write fraction is respected and never changes the pages visited")
    func writeMix() throws {
        let reads = try GeneratedTrace(.uniform, pages: 500, count: 100_000, seed: 9).collect()
        let mixed = try GeneratedTrace(.uniform, pages: 500, count: 100_000, seed: 9, writeFraction: 0.3).collect()
        #expect(reads.map(\.address) == mixed.map(\.address))
        #expect(reads.allSatisfy { $0.kind == .read })
        let writes = mixed.filter { $0.kind == .write }.count
        #expect(abs(Double(writes) / 100_000 - 0.3) < 0.01)
        let all = try GeneratedTrace(.uniform, pages: 5, count: 100, writeFraction: 1).collect()
        #expect(all.allSatisfy { $0.kind == .write })
    }

    @Test("pointer chase visits every page once per cycle; phases stay in their working sets")
    func chaseAndPhases() throws {
        let chase = try Self.pages(GeneratedTrace(.pointerChase, pages: 1000, count: 2000, seed: 3))
        #expect(chase[0] == 0)
        #expect(Set(chase[0..<1000]).count == 1000)
        #expect(Array(chase[1000..<2000]) == Array(chase[0..<1000]))
        let sequentialSteps = zip(chase, chase.dropFirst()).filter { $1 == $0 + 1 }.count
        #expect(sequentialSteps < 20)  // no locality

        let phases = try Self.pages(GeneratedTrace(
            .phases([WorkingSetPhase(pages: 10, length: 300), WorkingSetPhase(pages: 20, length: 200)]),
            pages: 25, count: 1000, seed: 5))
        #expect(phases[0..<300].allSatisfy { $0 < 10 })
        #expect(Set(phases[0..<300]).count == 10)
        // Phase 2 covers pages 10…29, wrapping at 25 to 0…4.
        #expect(phases[300..<500].allSatisfy { $0 >= 10 || $0 < 5 })
        #expect(Set(phases[300..<500]).count == 20)
        #expect(phases[500..<800].allSatisfy { $0 < 10 })  // back to the first phase
    }

    @Test("bad options are clear errors", arguments: [
        (GeneratorPattern.zipf(alpha: 0), 10, 10, "alpha"),
        (.zipf(alpha: -1), 10, 10, "alpha"),
        (.zipf(alpha: .nan), 10, 10, "alpha"),
        (.uniform, 10, -1, "n"),
        (.uniform, 0, 10, "pages"),
        (.strided(stride: 0), 10, 10, "stride"),
        (.loop(workingSet: 11), 10, 10, "working_set"),
        (.phases([]), 10, 10, "phases"),
        (.phases([WorkingSetPhase(pages: 5, length: 0)]), 10, 10, "phases"),
    ])
    func badOptions(pattern: GeneratorPattern, pages: Int, count: Int, option: String) throws {
        let error = #expect(throws: TraceError.self) { try GeneratedTrace(pattern, pages: pages, count: count) }
        guard case let .invalidOption(name, _)? = error else {
            Issue.record("expected .invalidOption, got \(String(describing: error))")
            return
        }
        #expect(name == option)
        #expect(throws: TraceError.self) { try GeneratedTrace(.uniform, pages: 10, count: 10, writeFraction: 1.5) }
        #expect(throws: TraceError.self) { try GeneratedTrace(.uniform, pages: Int.max, count: 10) }
    }

    @Test("pattern names are checked, with a suggestion for a typo")
    func patternNames() throws {
        #expect(try GeneratorPattern.checkName("zipf") == "zipf")
        for pattern in [GeneratorPattern.sequential, .uniform, .pointerChase, .loop(workingSet: 1)] {
            #expect(GeneratorPattern.names.contains(pattern.name))
        }
        let error = #expect(throws: TraceError.self) { try GeneratorPattern.checkName("zpif") }
        #expect(error?.description.hasPrefix("bad option 'pattern': unknown generator 'zpif' (did you mean 'zipf'?)") == true)
        let far = #expect(throws: TraceError.self) { try GeneratorPattern.checkName("banana") }
        #expect(far?.description.contains("did you mean") == false)
    }

    /// Chi-square statistic of observed rank counts against the Zipf law.
    static func chiSquare(_ sampler: ZipfSampler, samples: Int, seed: UInt64) -> Double {
        var rng = SeededGenerator(seed: seed)
        var counts = [Int](repeating: 0, count: sampler.count + 1)
        for _ in 0..<samples { counts[sampler.next(using: &rng)] += 1 }
        var total = 0.0
        for k in 1...sampler.count { total += pow(Double(k), -sampler.alpha) }
        var chi = 0.0
        for k in 1...sampler.count {
            let expected = Double(samples) * pow(Double(k), -sampler.alpha) / total
            chi += (Double(counts[k]) - expected) * (Double(counts[k]) - expected) / expected
        }
        return chi
    }

    @Test("Zipf frequencies follow the law (chi-square, 99 degrees of freedom)",
          arguments: [(0.5, false), (1.0, false), (2.0, false), (0.5, true), (1.0, true), (1.3, true)])
    func zipfLaw(alpha: Double, rejectionInversion: Bool) throws {
        let sampler = try ZipfSampler(count: 100, alpha: alpha, forceRejectionInversion: rejectionInversion)
        let chi = Self.chiSquare(sampler, samples: 400_000, seed: 11)
        // 99 degrees of freedom: P(χ² > 148.2) = 0.001.
        #expect(chi < 148.2, "χ² = \(chi) for α = \(alpha)")
        // A wrong exponent must fail the same check (so the test can fail).
        let wrong = try ZipfSampler(count: 100, alpha: alpha * 1.1, forceRejectionInversion: rejectionInversion)
        var rng = SeededGenerator(seed: 11)
        var counts = [Int](repeating: 0, count: 101)
        for _ in 0..<400_000 { counts[wrong.next(using: &rng)] += 1 }
        var total = 0.0
        for k in 1...100 { total += pow(Double(k), -alpha) }
        var chiWrong = 0.0
        for k in 1...100 {
            let expected = 400_000 * pow(Double(k), -alpha) / total
            chiWrong += (Double(counts[k]) - expected) * (Double(counts[k]) - expected) / expected
        }
        #expect(chiWrong > 148.2)
    }

    @Test("the Zipf generator's page 0 is the most popular, as often as the law says")
    func zipfGenerator() throws {
        let trace = try GeneratedTrace(.zipf(alpha: 1.0), pages: 1000, count: 200_000, seed: 4)
        let pages = try Self.pages(trace)
        let top = pages.filter { $0 == 0 }.count
        var harmonic = 0.0
        for k in 1...1000 { harmonic += 1 / Double(k) }
        #expect(abs(Double(top) / 200_000 - 1 / harmonic) < 0.005)
        #expect(pages.allSatisfy { $0 < 1000 })
    }

    @Test("throughput of generators (printed, not asserted)")
    func throughput() throws {
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        for pattern in [GeneratorPattern.sequential, .uniform, .zipf(alpha: 0.9), .pointerChase] {
            let trace = try GeneratedTrace(pattern, pages: 100_000, count: 20_000_000, seed: 1, writeFraction: 0.3)
            let start = TraceTestSupport.now()
            var total = 0
            var checksum: UInt64 = 0
            while true {
                let n = try trace.next(into: buffer)
                if n == 0 { break }
                checksum &+= buffer[n - 1].address
                total += n
            }
            let seconds = TraceTestSupport.now() - start
            print("generator \(pattern.name): \(Int(Double(total) / seconds / 1e6)) M accesses/s (checksum \(checksum % 1000))")
        }
    }
}

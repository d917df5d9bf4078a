import Testing
@testable import VMLab

/// Belady's reference string 1,2,3,4,1,2,5,1,2,3,4,5 (DESIGN.md §9).
@Suite struct PolicyBeladyTests {
    @Test(arguments: [(PolicySpec.fifo, 3, 9), (.fifo, 4, 10), (.lru, 3, 10), (.lru, 4, 8), (.opt, 3, 7), (.opt, 4, 6)])
    func textbookFaults(spec: PolicySpec, frames: Int, faults: Int) throws {
        let (result, _) = try PolicyTestSupport.replay(spec, frames: frames, PolicyTestSupport.belady)
        #expect(result.misses == faults)
        #expect(result.hits == 12 - faults)
        #expect(result.evictions == faults - frames)
        #expect(result.accesses == 12)
    }

    @Test func curveFlagsFIFOAnomalyAtFourFrames() throws {
        let trace = try PolicyTestSupport.trace(PolicyTestSupport.belady)
        let curve = try PolicySimulator.curve(.fifo, trace: trace, frameCounts: try PolicySimulator.frameCounts(from: 1, to: 6, step: 1))
        #expect(curve.points.map(\.misses) == [12, 12, 9, 10, 5, 5])
        #expect(curve.anomalies == [PolicyCurve.Anomaly(frames: 4, misses: 10, previous: 9)])
    }

    @Test func lruAndOptCurvesHaveNoAnomaly() throws {
        let trace = try PolicyTestSupport.trace(PolicyTestSupport.belady)
        for spec in [PolicySpec.lru, .opt] {
            let curve = try PolicySimulator.curve(spec, trace: trace, frameCounts: Array(1...6))
            #expect(curve.anomalies.isEmpty, "\(spec.name) is a stack algorithm")
        }
    }

    @Test func badRangesAreErrors() {
        #expect(throws: PolicyError.self) { try PolicySimulator.frameCounts(from: 0, to: 4, step: 1) }
        #expect(throws: PolicyError.self) { try PolicySimulator.frameCounts(from: 5, to: 4, step: 1) }
        #expect(throws: PolicyError.self) { try PolicySimulator.frameCounts(from: 1, to: 4, step: 0) }
        #expect(throws: PolicyError.self) { try PolicySimulator.frameCounts(from: 1, to: Int.max, step: 1) }
        #expect(throws: PolicyError.self) { try PolicySimulator(frames: 0) }
        #expect(throws: PolicyError.self) { try PolicySimulator(frames: 4, pageSize: 3000) }
        #expect(throws: PolicyError.unknownPolicy(name: "lur", known: PolicySpec.names)) { try PolicySpec(name: "lur") }
        #expect(throws: PolicyError.self) { try PolicySpec(name: "aging", options: ["bits": 0]) }
    }
}

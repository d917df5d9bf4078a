@testable import VMLab

/// Helpers for the replacement-policy tests.
enum PolicyTestSupport {
    /// A trace of page numbers; a negative number -p is a write to page p.
    static func trace(_ pages: [Int]) throws -> ArrayTrace {
        try ArrayTrace(pairs: pages.map { ($0 < 0 ? .write : .read, UInt64($0.magnitude)) },
                       numbers: .pageNumbers(pageSize: 4096))
    }

    /// Runs `spec` with `frames` frames over `pages`; returns the result and the victim pages in order.
    static func replay(_ spec: PolicySpec, frames: Int, _ pages: [Int]) throws -> (result: PolicyResult, victims: [Int]) {
        var simulator = try PolicySimulator(frames: frames)
        var victims: [Int] = []
        simulator.onEvict = { _, page in victims.append(Int(page)) }
        let result = try simulator.run(spec, trace: try trace(pages))
        return (result, victims)
    }

    static let belady = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]
}

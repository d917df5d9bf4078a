/// The outcome of one test of one lab: what the table and every report show.
struct CheckResult: Equatable, Sendable {
    enum Status: String, Sendable {
        case passed, failed, skipped
    }

    /// The lab's display name (`01-translation`, or `alice/01-translation` with several students).
    var lab: String
    var test: String
    /// The test's position in its lab (1-based, declaration order).
    var index: Int
    var maxScore: Double
    var score: Double
    var status: Status
    /// Why it failed, notes, or the skip reason; may span lines.
    var message: String
    /// A hidden test shows students only its status, never its message.
    var hidden: Bool

    /// Order of every listing and report: by lab, then by test order.
    static func ordered(_ a: CheckResult, _ b: CheckResult) -> Bool {
        if a.lab != b.lab { return a.lab < b.lab }
        return a.index < b.index
    }

    /// The message as students may see it (hidden tests: none unless `showHidden`).
    func visibleMessage(showHidden: Bool) -> String {
        if hidden && !showHidden { return status == .passed ? "" : "hidden test" }
        return message
    }

    /// Points as text: 2, 0.5, 1.25 (shortest exact form, no trailing zeros).
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        let rounded = (x * 10000).rounded() / 10000
        return String(rounded)
    }
}

extension CheckResult {
    /// `N passed, N failed` (plus `, N skipped` when some were).
    static func summary(_ results: [CheckResult]) -> String {
        let passed = results.filter { $0.status == .passed }.count
        let failed = results.filter { $0.status == .failed }.count
        let skipped = results.filter { $0.status == .skipped }.count
        return "\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "")
    }
}

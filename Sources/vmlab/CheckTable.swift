/// The terminal listing of `vmlab check`: one row per test (lab, test,
/// points, status, message), then the total score.
enum CheckTable {
    static func render(_ results: [CheckResult], showHidden: Bool, width: Int?) -> String {
        let headers = ["LAB", "TEST", "POINTS", "STATUS", "MESSAGE"]
        var rows: [[String]] = results.map { r in
            let status = r.status == .passed ? "PASS" : r.status == .failed ? "FAIL" : "SKIP"
            var message = ReportText.firstLine(r.visibleMessage(showHidden: showHidden))
            if r.visibleMessage(showHidden: showHidden).contains("\n") { message += " …" }
            let points = r.status == .skipped ? "-" : CheckResult.number(r.score) + "/" + CheckResult.number(r.maxScore)
            return [r.lab, r.test + (r.hidden ? " (hidden)" : ""), points, status, message]
        }
        var widths = headers.map(\.count)
        for row in rows { for c in 0..<4 { widths[c] = max(widths[c], row[c].count) } }
        if let width {
            let used = widths[0..<4].reduce(0, +) + 8
            let room = max(20, width - used)
            for i in rows.indices where rows[i][4].count > room {
                rows[i][4] = String(rows[i][4].prefix(room - 1)) + "…"
            }
        }
        func line(_ cells: [String]) -> String {
            var s = ""
            for c in 0..<4 { s += cells[c] + String(repeating: " ", count: widths[c] - cells[c].count) + "  " }
            s += cells[4]
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = line(headers) + "\n"
        for row in rows { out += line(row) + "\n" }
        let total = results.reduce(0) { $0 + $1.score }
        let max = results.reduce(0) { $0 + $1.maxScore }
        out += "\nscore \(CheckResult.number(total))/\(CheckResult.number(max))\n"
        return out
    }
}

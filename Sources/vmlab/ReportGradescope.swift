import Foundation

/// Gradescope's autograder `results.json`: `score`, `output`, and `tests`
/// with `name`, `score`, `max_score`, `status`, `output`, `visibility`;
/// `extra_data` keeps what merging needs (lab, test, index, status, hidden).
enum ReportGradescope {
    static func write(_ results: [CheckResult], showHidden: Bool) -> String {
        let total = results.reduce(0) { $0 + $1.score }
        let max = results.reduce(0) { $0 + $1.maxScore }
        var out = "{\n"
        out += "  \"score\": \(CheckResult.number(total)),\n"
        out += "  \"max_score\": \(CheckResult.number(max)),\n"
        out += "  \"output\": \(ReportText.json(CheckResult.summary(results))),\n"
        out += "  \"tests\": ["
        for (i, r) in results.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out += "    {\n"
            out += "      \"name\": \(ReportText.json(r.lab + ": " + r.test)),\n"
            out += "      \"score\": \(CheckResult.number(r.score)),\n"
            out += "      \"max_score\": \(CheckResult.number(r.maxScore)),\n"
            // Gradescope knows only passed and failed; a skipped test scores 0 of 0.
            out += "      \"status\": \(ReportText.json(r.status == .failed ? "failed" : "passed")),\n"
            let message = r.visibleMessage(showHidden: showHidden)
            out += "      \"output\": \(ReportText.json(r.status == .skipped ? "skipped: " + message : message)),\n"
            out += "      \"visibility\": \"visible\",\n"
            out += "      \"extra_data\": {\"lab\": \(ReportText.json(r.lab)), \"test\": \(ReportText.json(r.test)), "
            out += "\"index\": \(r.index), \"status\": \(ReportText.json(r.status.rawValue)), \"hidden\": \(r.hidden)}\n"
            out += "    }"
        }
        out += results.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func read(_ text: String) throws -> [CheckResult] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let tests = root["tests"] as? [[String: Any]] else {
            throw ReportFormat.ReportError(description: "not a Gradescope results.json (no \"tests\" list)")
        }
        return tests.enumerated().map { i, t in
            let extra = t["extra_data"] as? [String: Any] ?? [:]
            let name = t["name"] as? String ?? "test \(i + 1)"
            let status = (extra["status"] as? String).flatMap(CheckResult.Status.init(rawValue:))
                ?? ((t["status"] as? String) == "failed" ? .failed : .passed)
            var message = t["output"] as? String ?? ""
            if status == .skipped, message.hasPrefix("skipped: ") { message.removeFirst("skipped: ".count) }
            return CheckResult(
                lab: extra["lab"] as? String ?? "",
                test: extra["test"] as? String ?? name,
                index: (extra["index"] as? NSNumber)?.intValue ?? i + 1,
                maxScore: (t["max_score"] as? NSNumber)?.doubleValue ?? 0,
                score: (t["score"] as? NSNumber)?.doubleValue ?? 0,
                status: status, message: message,
                hidden: (extra["hidden"] as? Bool) ?? false)
        }
    }
}

import Foundation

/// TAP version 13: a plan line, `ok`/`not ok` per test (`# SKIP` for
/// skipped ones) and a YAML block per test whose values are JSON scalars.
enum ReportTAP {
    static func write(_ results: [CheckResult], showHidden: Bool) -> String {
        var out = "TAP version 13\n1..\(results.count)\n"
        for (i, r) in results.enumerated() {
            let description = (r.lab + ": " + r.test).replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "#", with: "\\#").replacingOccurrences(of: "\n", with: " ")
            let message = r.visibleMessage(showHidden: showHidden)
            out += r.status == .failed ? "not ok" : "ok"
            out += " \(i + 1) - \(description)"
            if r.status == .skipped {
                out += " # SKIP " + ReportText.firstLine(message).replacingOccurrences(of: "#", with: "\\#")
            }
            out += "\n  ---\n"
            out += "  lab: \(ReportText.json(r.lab))\n"
            out += "  test: \(ReportText.json(r.test))\n"
            out += "  index: \(r.index)\n"
            out += "  score: \(CheckResult.number(r.score))\n"
            out += "  max_score: \(CheckResult.number(r.maxScore))\n"
            out += "  status: \(ReportText.json(r.status.rawValue))\n"
            out += "  hidden: \(r.hidden)\n"
            out += "  message: \(ReportText.json(message))\n"
            out += "  ...\n"
        }
        return out
    }

    static func read(_ text: String) throws -> [CheckResult] {
        var results: [CheckResult] = []
        var fields: [String: Any]?
        var sawPlan = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("1..") { sawPlan = true; continue }
            if line == "  ---" { fields = [:]; continue }
            if line == "  ...", let f = fields {
                results.append(CheckResult(
                    lab: f["lab"] as? String ?? "", test: f["test"] as? String ?? "",
                    index: (f["index"] as? NSNumber)?.intValue ?? results.count + 1,
                    maxScore: (f["max_score"] as? NSNumber)?.doubleValue ?? 0,
                    score: (f["score"] as? NSNumber)?.doubleValue ?? 0,
                    status: (f["status"] as? String).flatMap(CheckResult.Status.init(rawValue:)) ?? .failed,
                    message: f["message"] as? String ?? "", hidden: f["hidden"] as? Bool ?? false))
                fields = nil
                continue
            }
            if fields != nil, line.hasPrefix("  "), let colon = line.firstIndex(of: ":") {
                let key = line[line.index(line.startIndex, offsetBy: 2)..<colon]
                let raw = line[line.index(after: colon)...].drop { $0 == " " }
                if let value = try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed) {
                    fields?[String(key)] = value
                }
            }
        }
        guard sawPlan else { throw ReportFormat.ReportError(description: "not a TAP report (no plan line 1..N)") }
        return results
    }
}

import Foundation

/// JUnit XML: one `<testsuite>` per lab, one `<testcase>` per test with
/// `<failure>`/`<skipped>`, points in `<properties>` (score, max_score,
/// index, hidden) so that reports can be merged.
enum ReportJUnit {
    static func write(_ results: [CheckResult], showHidden: Bool) -> String {
        func counts(_ rs: [CheckResult]) -> String {
            "tests=\"\(rs.count)\" failures=\"\(rs.filter { $0.status == .failed }.count)\" errors=\"0\" skipped=\"\(rs.filter { $0.status == .skipped }.count)\""
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"vmlab check\" \(counts(results))>\n"
        var labs: [String] = []
        for r in results where labs.last != r.lab { labs.append(r.lab) }
        for lab in labs {
            let rs = results.filter { $0.lab == lab }
            out += "  <testsuite name=\(attr(lab)) \(counts(rs))>\n"
            for r in rs {
                out += "    <testcase classname=\(attr(lab)) name=\(attr(r.test))>\n"
                out += "      <properties>\n"
                out += "        <property name=\"index\" value=\"\(r.index)\"/>\n"
                out += "        <property name=\"score\" value=\"\(CheckResult.number(r.score))\"/>\n"
                out += "        <property name=\"max_score\" value=\"\(CheckResult.number(r.maxScore))\"/>\n"
                out += "        <property name=\"hidden\" value=\"\(r.hidden)\"/>\n"
                out += "      </properties>\n"
                let message = r.visibleMessage(showHidden: showHidden)
                switch r.status {
                case .failed:
                    out += "      <failure message=\(attr(ReportText.firstLine(message))) type=\"failed\">\(ReportText.xml(message))</failure>\n"
                case .skipped:
                    out += "      <skipped message=\(attr(message))/>\n"
                case .passed:
                    if !message.isEmpty { out += "      <system-out>\(ReportText.xml(message))</system-out>\n" }
                }
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func attr(_ s: String) -> String { "\"" + ReportText.xml(s, attribute: true) + "\"" }

    /// Reads back what `write` produced (a small XML reader: tags, attributes, text).
    static func read(_ text: String) throws -> [CheckResult] {
        var results: [CheckResult] = []
        var current: CheckResult?
        var textTarget: String?  // "failure" or "system-out" while inside one
        var buffer = ""
        var sawRoot = false
        var i = text.startIndex
        while i < text.endIndex {
            guard let open = text[i...].firstIndex(of: "<") else { break }
            if textTarget != nil { buffer += ReportText.unxml(text[i..<open]) }
            if text[open...].hasPrefix("<!--") {
                guard let end = text[open...].range(of: "-->") else { break }
                i = end.upperBound
                continue
            }
            guard let close = text[open...].firstIndex(of: ">") else {
                throw ReportFormat.ReportError(description: "malformed XML: a tag is not closed")
            }
            let tag = text[text.index(after: open)..<close]
            i = text.index(after: close)
            if tag.hasPrefix("?") || tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = tag.dropFirst()
                if name == "testcase", let c = current { results.append(c); current = nil }
                if let target = textTarget, name == target { 
                    if textTarget == "failure" || textTarget == "system-out" { current?.message = buffer }
                    textTarget = nil
                    buffer = ""
                }
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            let body = selfClosing ? tag.dropLast() : tag
            let name = String(body.prefix { !$0.isWhitespace })
            let attributes = parseAttributes(body.dropFirst(name.count))
            switch name {
            case "testsuites", "testsuite": sawRoot = true
            case "testcase":
                current = CheckResult(lab: attributes["classname"] ?? "", test: attributes["name"] ?? "",
                                      index: results.count + 1, maxScore: 0, score: 0, status: .passed, message: "", hidden: false)
                if selfClosing, let c = current { results.append(c); current = nil }
            case "property":
                let value = attributes["value"] ?? ""
                switch attributes["name"] {
                case "index": if let n = Int(value) { current?.index = n }
                case "score": current?.score = Double(value) ?? 0
                case "max_score": current?.maxScore = Double(value) ?? 0
                case "hidden": current?.hidden = value == "true"
                default: break
                }
            case "failure", "error":
                current?.status = .failed
                current?.message = attributes["message"] ?? ""
                if !selfClosing { textTarget = "failure"; buffer = "" }
            case "skipped":
                current?.status = .skipped
                current?.message = attributes["message"] ?? ""
            case "system-out":
                if !selfClosing { textTarget = "system-out"; buffer = "" }
            default: break
            }
        }
        guard sawRoot else { throw ReportFormat.ReportError(description: "not a JUnit XML report (no <testsuites>)") }
        return results
    }

    static func parseAttributes(_ s: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = s
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
            rest = rest[rest.index(after: eq)...].drop { $0.isWhitespace }
            guard let quote = rest.first, quote == "\"" || quote == "'" else { break }
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: quote) else { break }
            result[key] = ReportText.unxml(rest[..<end])
            rest = rest[rest.index(after: end)...]
        }
        return result
    }
}

/// The report formats `--report` writes and `vmlab report merge` reads.
enum ReportFormat: String, CaseIterable, Sendable {
    case json, junit, tap

    struct ReportError: Error, CustomStringConvertible {
        var description: String
    }

    /// By name (`json`, `gradescope`, `junit`, `xml`, `tap`).
    init?(name: String) {
        switch name.lowercased() {
        case "json", "gradescope": self = .json
        case "junit", "xml": self = .junit
        case "tap": self = .tap
        default: return nil
        }
    }

    /// By a file's extension: .json, .xml, .tap.
    init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        switch ext {
        case "json": self = .json
        case "xml", "junit": self = .junit
        case "tap": self = .tap
        default: return nil
        }
    }

    /// By the text itself (for merging).
    init?(content: String) {
        let start = content.drop { $0.isWhitespace }
        if start.hasPrefix("{") { self = .json }
        else if start.hasPrefix("<") { self = .junit }
        else if start.hasPrefix("TAP version") || start.hasPrefix("1..") || start.hasPrefix("ok") || start.hasPrefix("not ok") { self = .tap }
        else { return nil }
    }

    func write(_ results: [CheckResult], showHidden: Bool) -> String {
        let sorted = results.sorted(by: CheckResult.ordered)
        switch self {
        case .json: return ReportGradescope.write(sorted, showHidden: showHidden)
        case .junit: return ReportJUnit.write(sorted, showHidden: showHidden)
        case .tap: return ReportTAP.write(sorted, showHidden: showHidden)
        }
    }

    func read(_ text: String) throws -> [CheckResult] {
        switch self {
        case .json: return try ReportGradescope.read(text)
        case .junit: return try ReportJUnit.read(text)
        case .tap: return try ReportTAP.read(text)
        }
    }
}

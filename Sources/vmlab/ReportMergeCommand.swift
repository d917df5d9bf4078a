import ArgumentParser
import Foundation

/// `vmlab report merge A B … -o OUT`: joins the reports of shards into one,
/// as if the whole batch had run at once.
struct ReportMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join reports (Gradescope JSON, JUnit XML or TAP) into one, sorted by lab and test.",
        discussion: """
            Inputs may be in any of the three formats (recognised by their content); the output's
            format follows its extension (.json, .xml, .tap) or --format.
            Example:  vmlab report merge part-*.json -o results.json
            """)

    @Argument(help: ArgumentHelp("Reports to join.", valueName: "report"))
    var inputs: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("The merged report.", valueName: "FILE"))
    var output: String

    @Option(name: .customLong("format"), help: ArgumentHelp("Output format: json, junit or tap.", valueName: "FORMAT"))
    var format: String?

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one report to merge") }
        if let format, ReportFormat(name: format) == nil {
            throw ValidationError("--format must be json, junit or tap (not '\(format)')")
        }
        if format == nil && ReportFormat(path: output) == nil {
            throw ValidationError("-o \(output): cannot tell the format from the extension (use .json, .xml or .tap, or --format)")
        }
    }

    func run() throws {
        var all: [CheckResult] = []
        for input in inputs {
            guard let text = try? String(contentsOfFile: input, encoding: .utf8) else {
                printError("vmlab report merge: cannot read \(input)")
                throw ExitCode(1)
            }
            guard let kind = ReportFormat(content: text) else {
                printError("vmlab report merge: \(input): not a report vmlab knows (Gradescope JSON, JUnit XML, TAP)")
                throw ExitCode(1)
            }
            do {
                all += try kind.read(text)
            } catch {
                printError("vmlab report merge: \(input): \(error)")
                throw ExitCode(1)
            }
        }
        var seen = Set<String>()
        for r in all where !seen.insert(r.lab + "\u{0}" + String(r.index)).inserted {
            printError("vmlab report merge: warning: \(r.lab): test \(r.index) (\(r.test)) appears in more than one report")
        }
        let kind = format.flatMap(ReportFormat.init(name:)) ?? ReportFormat(path: output)!
        // Messages are already as the inputs show them: write them all.
        do {
            try kind.write(all, showHidden: true).write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            printError("vmlab report merge: cannot write \(output): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}

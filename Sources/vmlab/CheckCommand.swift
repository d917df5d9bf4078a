import ArgumentParser
import Foundation
import LuaKit
import VMLab

/// `vmlab check`: the batch runner for labs and checkers.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run lab checkers (check.lua) against lab.lua, the solutions, or students' files.",
        discussion: """
            PATH is a lab folder (it holds check.lua), a folder of lab folders, or a checker file;
            default: the current folder. Each lab runs in its own sandboxed Lua state, in parallel.
            Limits: --timeout and --max-instructions apply to each step (loading the graded file,
            running check.lua, each test), so a runaway test fails alone; --lab-timeout bounds a whole
            lab; --max-memory bounds the lab's Lua state.
            Exit status: 0 if every test passed (skips allowed), 1 if any failed, 2 on bad usage.
            Examples:
              vmlab check Labs --solution
              vmlab check Labs/01-translation --student submissions/alice --report results.json
              vmlab check Labs --students submissions --shard 3/8 --report part3.xml
            """)

    @Argument(help: ArgumentHelp("Lab folders, folders of labs, or checker files.", valueName: "path"))
    var paths: [String] = []

    @Flag(help: "Check each lab's solution.lua instead of lab.lua.")
    var solution = false

    @Option(name: .customLong("student"), help: ArgumentHelp("Check DIR/lab.lua (or DIR/<lab>/lab.lua) against the labs' checkers; may be repeated.", valueName: "DIR"))
    var students: [String] = []

    @Option(name: .customLong("students"), help: ArgumentHelp("Every subfolder of DIR is a student folder (a whole class).", valueName: "DIR"))
    var studentsParent: String?

    @Option(name: .customShort("j"), help: ArgumentHelp("Labs to run at once (default: the number of cores).", valueName: "N"))
    var jobs: Int?

    @Option(name: .customLong("max-instructions"), help: ArgumentHelp("Lua instructions per step (default 1000000000).", valueName: "N"))
    var maxInstructions: Int = 1_000_000_000

    @Option(name: .customLong("max-memory"), help: ArgumentHelp("Memory of each lab's Lua state (default 256M).", valueName: "SIZE"))
    var maxMemory: String = "256M"

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Wall-clock seconds per step, e.g. per test (default 10).", valueName: "SECONDS"))
    var timeout: Double = 10

    @Option(name: .customLong("lab-timeout"), help: ArgumentHelp("Wall-clock seconds for a whole lab (default 120).", valueName: "SECONDS"))
    var labTimeout: Double = 120

    @Flag(help: "Turn the sandbox off (trusted code only).")
    var trusted = false

    @Option(name: .customLong("report"), help: ArgumentHelp("Write a report: .json (Gradescope), .xml (JUnit), .tap (TAP 13); may be repeated.", valueName: "FILE"))
    var reports: [String] = []

    @Option(name: .customLong("format"), help: ArgumentHelp("Report format when the extension does not say: json, junit or tap.", valueName: "FORMAT"))
    var format: String?

    @Option(name: .customLong("shard"), help: ArgumentHelp("Run only the K-th of N deterministic parts (e.g. 2/8).", valueName: "K/N"))
    var shard: String?

    @Flag(name: .customLong("show-hidden"), help: "Show the messages of hidden tests (for instructors).")
    var showHidden = false

    @Flag(name: .shortAndLong, help: "No table: only the summary line.")
    var quiet = false

    func validate() throws {
        if let jobs, jobs <= 0 { throw ValidationError("-j must be positive") }
        if maxInstructions <= 0 { throw ValidationError("--max-instructions must be positive") }
        if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if !(labTimeout > 0) { throw ValidationError("--lab-timeout must be a positive number of seconds") }
        do {
            guard try ByteSize.parse(maxMemory) > 0 else { throw ValidationError("--max-memory must be positive") }
        } catch let error as ByteSize.ParseError {
            throw ValidationError("--max-memory: \(error)")
        }
        if solution && (!students.isEmpty || studentsParent != nil) {
            throw ValidationError("--solution and --student exclude each other")
        }
        if let format, ReportFormat(name: format) == nil {
            throw ValidationError("--format must be json, junit or tap (not '\(format)')")
        }
        for report in reports where format == nil && ReportFormat(path: report) == nil {
            throw ValidationError("--report \(report): cannot tell the format from the extension (use .json, .xml or .tap, or --format)")
        }
        if let shard { _ = try Self.parseShard(shard) }
    }

    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw ValidationError("--shard must be K/N with 1 <= K <= N (e.g. 2/8), not '\(text)'")
        }
        return (k, n)
    }

    func run() throws {
        var studentFolders = students
        if let parent = studentsParent {
            let folder = CheckPlan.absolute(parent)
            guard let children = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                printError("vmlab check: --students \(parent): not a folder")
                throw ExitCode(2)
            }
            studentFolders += children.sorted().filter {
                var isFolder: ObjCBool = false
                return !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &isFolder) && isFolder.boolValue
            }.map { folder + "/" + $0 }
        }
        let labs: [CheckPlan.Lab]
        do {
            labs = try CheckPlan.labs(in: paths.isEmpty ? ["."] : paths)
        } catch {
            printError("vmlab check: \(error)")
            throw ExitCode(2)
        }
        var units = CheckPlan.units(labs: labs, students: studentFolders, file: solution ? "solution.lua" : "lab.lua")
        if let shard {
            let (k, n) = try Self.parseShard(shard)
            units = CheckPlan.shard(units, part: k, of: n)
        }

        let runner = CheckRunner(
            limits: LuaLimits(instructions: maxInstructions, memory: try ByteSize.parse(maxMemory), timeout: timeout),
            labTimeout: labTimeout, sandboxed: !trusted)
        let terminal = isatty(2) != 0
        let pool = CheckPool(units: units, runner: runner)
        let results = pool.run(jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount) { done, total, _ in
            guard terminal else { return }
            let width = 30
            let filled = total == 0 ? width : done * width / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            Self.toTerminal("\u{1B}[2K\rchecking [\(bar)] \(done)/\(total) labs")
        }
        if terminal && !units.isEmpty { Self.toTerminal("\u{1B}[2K\r") }
        let sorted = results.sorted(by: CheckResult.ordered)

        for report in reports {
            let kind = format.flatMap(ReportFormat.init(name:)) ?? ReportFormat(path: report)!
            do {
                try kind.write(sorted, showHidden: showHidden).write(toFile: report, atomically: true, encoding: .utf8)
            } catch {
                printError("vmlab check: cannot write \(report): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if !quiet && !sorted.isEmpty {
            let width = isatty(1) != 0 ? Self.terminalWidth() : nil
            print(CheckTable.render(sorted, showHidden: showHidden, width: width))
        }
        print(CheckResult.summary(sorted))
        if sorted.contains(where: { $0.status == CheckResult.Status.failed }) { throw ExitCode(1) }
    }

    /// Progress text on standard error, no newline.
    static func toTerminal(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func terminalWidth() -> Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

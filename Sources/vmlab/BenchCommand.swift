import ArgumentParser
import Foundation
import LuaKit

/// `vmlab bench`: the benchmark scenarios of `Scripts/bench/*.lua`, each timed
/// several times; prints the median rate, peak host memory and the machine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmark scenarios (Scripts/bench/*.lua) and print operations per second.",
        discussion: """
            A scenario is a Lua file returning { name=, unit=, description=, setup = function() … return run end },
            where run() does the work and returns how many operations it did. Each run is timed; the median rate
            is printed. Build in release (Scripts/vmlab bench) for meaningful figures.
            """)

    @Argument(help: "Scenario names (default: all).")
    var names: [String] = []

    @Flag(help: "List the scenarios.")
    var list = false

    @Flag(help: "Print JSON for tools.")
    var json = false

    @Option(help: "Timed runs per scenario (the median is reported).")
    var runs = 5

    @Option(help: "Folder of scenario files (default: Scripts/bench of this checkout).")
    var dir: String?

    struct Scenario {
        let path: String
        let name: String
        let unit: String
        let description: String
    }

    struct Result: Codable {
        let name: String
        let unit: String
        let median_per_second: Double
        let operations: Int
        let runs: [Double]
        let peak_rss_bytes: Int
    }

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let folder = try benchFolder()
        let scenarios = try loadScenarios(folder)
        for name in names where !scenarios.contains(where: { $0.name == name }) {
            printError("vmlab bench: no scenario '\(name)' (vmlab bench --list)")
            throw ExitCode(2)
        }
        if list {
            for s in scenarios { print("\(s.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(s.description)") }
            return
        }
        let selected = names.isEmpty ? scenarios : scenarios.filter { names.contains($0.name) }
        let host = BenchMachine.describe()
        if !json {
            print("vmlab bench — \(host) — \(BenchMachine.buildKind) build, median of \(runs) runs")
        }
        var results: [Result] = []
        for scenario in selected {
            let result = try measure(scenario, root: URL(fileURLWithPath: folder).deletingLastPathComponent().deletingLastPathComponent().path)
            results.append(result)
            if !json {
                let rate = result.median_per_second
                let shown = rate >= 1e6 ? String(format: "%.1f M", rate / 1e6) : rate >= 1e3 ? String(format: "%.1f k", rate / 1e3) : String(format: "%.1f ", rate)
                print("  \(scenario.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(shown.leftPadded(9)) \(scenario.unit)/s   peak RSS \(result.peak_rss_bytes >> 20) MiB")
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: [
                "machine": host, "build": BenchMachine.buildKind,
                "results": try results.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) },
            ], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    func benchFolder() throws -> String {
        if let dir { return dir }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [FileManager.default.currentDirectoryPath + "/Scripts/bench"] +
            (2...4).map { up in (0..<up).reduce(exe) { u, _ in u.deletingLastPathComponent() }.path + "/Scripts/bench" }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            printError("vmlab bench: cannot find Scripts/bench (use --dir)")
            throw ExitCode(1)
        }
        return found
    }

    func loadScenarios(_ folder: String) throws -> [Scenario] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".lua") }.sorted()
        return try files.map { file in
            let state = try ScriptHost.makeState(limits: LuaLimits())
            let path = folder + "/" + file
            let values = try state.run("local s = dofile(...) return s.name, s.unit, s.description", name: "=bench", arguments: [path])
            return Scenario(path: path, name: values[0].stringValue ?? file, unit: values[1].stringValue ?? "operations",
                            description: values[2].stringValue ?? "")
        }
    }

    func measure(_ scenario: Scenario, root: String) throws -> Result {
        BenchMachine.resetPeakMemory()
        let state = try ScriptHost.makeState(limits: LuaLimits())
        defer { state.close() }   // finalizers run now (temporary files go), even if Swift objects still refer to the state
        state.setGlobal("BENCH_ROOT", root)
        do {
            try state.run("local s = dofile(...) bench_run = s.setup()", name: "=bench", arguments: [scenario.path])
            guard case .function(let body) = state.global("bench_run") else {
                throw LuaError(kind: .runtime, message: "\(scenario.path): setup() must return the run function")
            }
            var rates: [Double] = []
            var operations = 0
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                let values = try state.call(body)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                operations = values.first?.intValue ?? 0
                rates.append(Double(operations) / max(seconds, 1e-9))
            }
            let median = rates.sorted()[rates.count / 2]
            return Result(name: scenario.name, unit: scenario.unit, median_per_second: median, operations: operations,
                          runs: rates, peak_rss_bytes: BenchMachine.peakMemory())
        } catch let error as LuaError {
            printError("vmlab bench: \(scenario.name): \(error)")
            throw ExitCode(1)
        }
    }
}

/// Facts about the host for bench reports.
enum BenchMachine {
    #if DEBUG
    static let buildKind = "debug"
    #else
    static let buildKind = "release"
    #endif

    static func describe() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = ProcessInfo.processInfo.physicalMemory >> 30
        return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory) GiB"
    }

    /// Resets the kernel's peak-RSS mark (VmHWM) so each scenario reports its own.
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func peakMemory() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

import Foundation
import LuaKit

/// Runs one lab (a `CheckUnit`) in its own Lua state: loads the graded file,
/// runs check.lua, then each declared test as a separate top-level run, so a
/// limit or an error ends one test and never the lab or the batch.
struct CheckRunner: Sendable {
    /// Per run (loading, check.lua, each test): instructions and seconds; memory of the whole state.
    var limits: LuaLimits
    /// Wall-clock seconds for the whole lab (nil: none).
    var labTimeout: Double?
    var sandboxed: Bool

    func run(_ unit: CheckUnit) -> [CheckResult] {
        let started = Date()
        func remaining() -> Double? {
            guard let labTimeout else { return nil }
            return labTimeout - Date().timeIntervalSince(started)
        }
        func setLimits(on state: LuaState) -> Bool {
            var l = limits
            if let left = remaining() {
                if left <= 0 { return false }
                l.timeout = min(left, l.timeout ?? left)
            }
            state.limits = l
            return true
        }
        func broken(_ message: String) -> [CheckResult] {
            [CheckResult(lab: unit.name, test: "check.lua", index: 0, maxScore: 0, score: 0,
                         status: .failed, message: message, hidden: false)]
        }

        let state: LuaState
        do {
            let sandbox = sandboxed ? LuaSandbox(allowedFolders: unit.allowedFolders) : nil
            state = try ScriptHost.makeState(limits: LuaLimits(), sandbox: sandbox)
            try state.run(CheckPrelude.source, name: "=check")
            let folder = URL(fileURLWithPath: unit.folder).standardizedFileURL.path
            state.setGlobal("__check_folder", folder)
            try state.run("check.folder = __check_folder; __check_folder = nil", name: "=check")
        } catch {
            return broken("cannot set up the checker: \(error)")
        }
        defer { state.close() }

        // 1. The graded file.
        if let graded = unit.graded, setLimits(on: state) {
            state.setGlobal("__check_path", graded)
            state.setGlobal("__check_name", unit.gradedName)
            do {
                try state.run("local p, n = __check_path, __check_name; __check_path, __check_name = nil, nil; check._boot(p, n)", name: "=check")
            } catch let error as LuaError {
                state.limits = LuaLimits()
                state.setGlobal("__check_why", Self.explain(error, limits: limits))
                _ = try? state.run("local w = __check_why; __check_why = nil; check._failed_to_load(w)", name: "=check")
            } catch {
                return broken("\(error)")
            }
        } else {
            state.limits = LuaLimits()
            state.setGlobal("__check_why", unit.missingReason ?? "the lab's time limit was used up while loading")
            _ = try? state.run("local w = __check_why; __check_why = nil; check._failed_to_load(w)", name: "=check")
        }

        // 2. The checker declares its tests.
        guard setLimits(on: state) else { return broken("the lab's time limit was used up before check.lua ran") }
        do {
            // Named by its file name, so messages read `check.lua:12:`.
            guard let text = try? String(contentsOfFile: unit.checker, encoding: .utf8) else {
                return broken("cannot read \(unit.checker)")
            }
            try state.run(text, name: "@" + (unit.checker as NSString).lastPathComponent)
        } catch let error as LuaError {
            return broken("check.lua failed: " + Self.explain(error, limits: limits))
        } catch {
            return broken("check.lua failed: \(error)")
        }

        // 3. Each test in its own run.
        state.limits = LuaLimits()
        let count: Int
        do {
            guard case .integer(let n) = try state.run("return #check._tests", name: "=check").first else {
                return broken("check.lua declared no tests")
            }
            count = n
        } catch {
            return broken("cannot list the tests: \(error)")
        }
        if count == 0 { return broken("check.lua declared no tests (use check.test)") }
        var results: [CheckResult] = []
        for i in 1...count {
            state.limits = LuaLimits()
            guard let info = try? state.run("local t = check._tests[\(i)]; return t.name, t.points, t.hidden", name: "=check"),
                  info.count == 3, case .string(let name) = info[0] else { continue }
            var result = CheckResult(lab: unit.name, test: name, index: i, maxScore: Self.double(info[1]) ?? 0,
                                     score: 0, status: .failed, message: "", hidden: info[2] == .boolean(true))
            guard setLimits(on: state) else {
                result.message = "not run: the lab's time limit (\(CheckResult.number(labTimeout ?? 0)) s) was used up by earlier tests"
                results.append(result)
                continue
            }
            do {
                let values = try state.run("return check._run(\(i))", name: "=check")
                if values.count == 3, case .string(let status) = values[0], case .string(let message) = values[2] {
                    result.status = CheckResult.Status(rawValue: status) ?? .failed
                    result.score = Self.double(values[1]) ?? 0
                    result.message = message
                    if result.status == .skipped { result.maxScore = 0 }
                } else {
                    result.message = "the checker returned nothing usable"
                }
            } catch let error as LuaError {
                result.message = Self.explain(error, limits: limits)
            } catch {
                result.message = "\(error)"
            }
            results.append(result)
        }
        return results
    }

    static func double(_ value: LuaValue?) -> Double? {
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// A Lua error as a student should read it: the message (no traceback),
    /// with a hint when a limit stopped the code.
    static func explain(_ error: LuaError, limits: LuaLimits) -> String {
        let message = error.message
        if message.contains("instruction limit exceeded") {
            let n = limits.instructions.map { " (\($0) Lua instructions)" } ?? ""
            return "stopped: instruction limit exceeded\(n) — does a loop in your code never end?"
        }
        if message.contains("time limit exceeded") {
            return "stopped: time limit exceeded — does a loop in your code never end?"
        }
        if message.contains("memory limit exceeded") || error.kind == .memory {
            let n = limits.memory.map { " (\($0 / (1024 * 1024)) MiB)" } ?? ""
            return "stopped: memory limit exceeded\(n) — does your code keep growing a table or a string?"
        }
        return message
    }
}

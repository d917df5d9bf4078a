import Foundation
import FoundationXML
import Testing

/// `vmlab check` and `vmlab report merge`, run as a user would.
@Suite struct CheckCommandTests {
    static var labsFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Labs").path
    }

    /// A tiny lab with a checker and a student file (written to a fresh folder).
    static func makeLab(student: String, name: String = "demo") throws -> URL {
        let root = try VMLabProcess.temporaryFolder()
        let lab = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
        try """
            check.test("adds", 2, function() check.eq(check.lab.add(1, 2), 3, "add(1, 2) should be 3") end)
            check.test("hidden one", { points = 1, hidden = true }, function() check.eq(check.lab.add(2, 2), 4, "secret") end)
            check.test("partial", { points = 2, partial = true }, function()
              check.eq(check.lab.add(0, 0), 0) check.eq(check.lab.add(5, 5), 10)
            end)
            """.write(to: lab.appendingPathComponent("check.lua"), atomically: true, encoding: .utf8)
        try student.write(to: lab.appendingPathComponent("lab.lua"), atomically: true, encoding: .utf8)
        return lab
    }

    @Test func goodStudentPassesAndExitsZero() throws {
        let lab = try Self.makeLab(student: "return { add = function(a, b) return a + b end }")
        let r = try VMLabProcess.run(["check", lab.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("\n3 passed, 0 failed\n"))
        #expect(r.stdout.contains("demo  adds"))
    }

    @Test func wrongStudentFailsWithTeachingMessageAndPartialCredit() throws {
        let lab = try Self.makeLab(student: "return { add = function(a, b) if a == 2 then return 0 end return a * b end }")
        let json = lab.appendingPathComponent("r.json").path
        let r = try VMLabProcess.run(["check", lab.path, "--report", json])
        #expect(r.status == 1)
        #expect(r.stdout.contains("add(1, 2) should be 3 (expected 3, got 2)"))
        #expect(!r.stdout.contains("secret"))  // hidden: status only
        #expect(r.stdout.hasSuffix("\n0 passed, 3 failed\n"))
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((root["score"] as? NSNumber)?.doubleValue == 1)  // 2 × 1/2 of "partial"
        let tests = try #require(root["tests"] as? [[String: Any]])
        #expect(tests.count == 3)
        for t in tests {
            for key in ["name", "score", "max_score", "status", "output", "visibility"] { #expect(t[key] != nil, "missing \(key)") }
            #expect(["passed", "failed"].contains(t["status"] as? String ?? ""))
        }
        #expect(tests[1]["output"] as? String == "hidden test")
    }

    @Test func runawayAndForbiddenStudentCodeFailsItsTestsOnly() throws {
        let lab = try Self.makeLab(student: """
            return {
              add = function(a, b)
                if a == 1 then while true do end end
                if a == 2 then os.execute("touch /tmp/vmlab-should-not-exist") end
                return a + b
              end }
            """)
        let r = try VMLabProcess.run(["check", lab.path, "--timeout", "1", "--max-instructions", "5000000", "--show-hidden"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("instruction limit exceeded"))
        #expect(r.stdout.contains("os.execute is not allowed"))
        #expect(r.stdout.contains("PASS"))  // the third test still ran
        #expect(r.stdout.hasSuffix("\n1 passed, 2 failed\n"))
        let timed = try VMLabProcess.run(["check", lab.path, "--timeout", "0.5"])
        #expect(timed.stdout.contains("time limit exceeded"))
    }

    /// The same reports, byte for byte, whatever the number of parallel labs.
    @Test func reportsDoNotDependOnParallelism() throws {
        let folder = try VMLabProcess.temporaryFolder()
        var reports: [Data] = []
        for jobs in ["1", "2", "4"] {
            let path = folder.appendingPathComponent("r\(jobs).json").path
            let r = try VMLabProcess.run(["check", Self.labsFolder, "--solution", "-q", "-j", jobs, "--report", path])
            #expect(r.status == 0, "\(r.stdout)")
            reports.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(reports[0] == reports[1] && reports[1] == reports[2])
    }

    /// Every escape a student's code might try fails under `vmlab check`, and the batch goes on.
    @Test func sandboxStopsEveryEscape() throws {
        let root = try VMLabProcess.temporaryFolder()
        let lab = root.appendingPathComponent("escape")
        let students = root.appendingPathComponent("students")
        for folder in [lab, students.appendingPathComponent("alice"), students.appendingPathComponent("bob")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let outside = root.appendingPathComponent("escaped.txt").path
        let bob = students.appendingPathComponent("bob/lab.lua").path
        try "return { secret = 'bob-secret', escapes = {} }".write(toFile: bob, atomically: true, encoding: .utf8)
        try """
            local tries = {
              read_other_student = function() return assert(io.open("\(bob)")):read("a") end,
              dofile_other_student = function() return dofile("\(bob)") end,
              trace_other_student = function() return vm.trace.pages("\(bob)") end,
              write_outside = function() assert(io.open("\(outside)", "w")):write("x") end,
              convert_outside = function() return vm.trace.convert("\(bob)", "\(outside)") end,
              execute = function() return os.execute("touch \(outside)") end,
              popen = function() return io.popen("id") end,
              loadlib = function() return package.loadlib("libc.so.6", "system") end,
              c_module = function() return require("lpeg") end,
              binary_chunk = function() return assert(load(string.dump(function() end))) end,
              debug_library = function() return debug.getinfo(1) end,
            }
            local escapes = {}
            for name, f in pairs(tries) do escapes[name] = pcall(f) end
            return { escapes = escapes, starve = function() while true do end end }
            """.write(to: students.appendingPathComponent("alice/lab.lua"), atomically: true, encoding: .utf8)
        try """
            check.test("no escape", 1, function()
              local open = {}
              for name, escaped in pairs(check.lab.escapes or {}) do if escaped then open[#open + 1] = name end end
              table.sort(open)
              check.eq(table.concat(open, ", "), "", "escapes that worked")
            end)
            check.test("starving the batch is stopped", 1, function() check.lab.starve() end)
            """.write(to: lab.appendingPathComponent("check.lua"), atomically: true, encoding: .utf8)
        let r = try VMLabProcess.run(["check", lab.path, "--students", students.path, "--timeout", "1", "--max-instructions", "10000000"])
        #expect(r.stdout.contains("alice") && r.stdout.contains("bob"))
        #expect(!r.stdout.contains("escapes that worked (expected \"\", got"), "\(r.stdout)")
        #expect(r.stdout.contains("instruction limit exceeded") || r.stdout.contains("time limit exceeded"))
        #expect(!FileManager.default.fileExists(atPath: outside), "nothing was written outside the lab")
        #expect(r.stdout.hasSuffix("2 passed, 2 failed\n"), "no escape passes for both; starve fails for both: \(r.stdout)")
    }

    @Test func studentThatDoesNotLoadFailsEveryTestWithTheReason() throws {
        let lab = try Self.makeLab(student: "this is not lua")
        let r = try VMLabProcess.run(["check", lab.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("lab.lua did not load: lab.lua:1:"))
        #expect(r.stdout.hasSuffix("0 passed, 3 failed\n"))
    }

    @Test func studentFolderAndExitStatuses() throws {
        let lab = try Self.makeLab(student: "return {}")
        let student = try VMLabProcess.temporaryFolder()
        try "return { add = function(a, b) return a + b end }".write(to: student.appendingPathComponent("lab.lua"), atomically: true, encoding: .utf8)
        let r = try VMLabProcess.run(["check", lab.path, "--student", student.path])
        #expect(r.status == 0)
        let missing = try VMLabProcess.run(["check", "/nonexistent/lab"])
        #expect(missing.status == 2)
        let badShard = try VMLabProcess.run(["check", lab.path, "--shard", "3/2"])
        #expect(badShard.status == 2)
        let badReport = try VMLabProcess.run(["check", lab.path, "--report", "x.doc"])
        #expect(badReport.status == 2)
    }

    @Test func everyLabPassesItsSolutionAndFailsItsStarter() throws {
        let labs = try FileManager.default.contentsOfDirectory(atPath: Self.labsFolder).filter {
            FileManager.default.fileExists(atPath: Self.labsFolder + "/" + $0 + "/check.lua")
        }.sorted()
        #expect(labs.count >= 2)
        for lab in labs {
            let folder = Self.labsFolder + "/" + lab
            for file in ["README.md", "lab.lua", "solution.lua"] {
                #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(lab) has no \(file)")
            }
            let solution = try VMLabProcess.run(["check", folder, "--solution"])
            #expect(solution.status == 0, "\(lab): the solution fails:\n\(solution.stdout)")
            #expect(solution.stdout.contains(" 0 failed"))
            let starter = try VMLabProcess.run(["check", folder])
            #expect(starter.status == 1, "\(lab): the starter passes — a checker that cannot fail is a bug")
            #expect(starter.stdout.hasPrefix("LAB"))
        }
    }

    @Test func reportsAreWellFormed() throws {
        let out = try VMLabProcess.temporaryFolder()
        let files = ["r.json", "r.xml", "r.tap"].map { out.appendingPathComponent($0).path }
        let r = try VMLabProcess.run(["check", Self.labsFolder, "--solution", "-q"] + files.flatMap { ["--report", $0] })
        #expect(r.status == 0)
        // JSON
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[0]))) as? [String: Any]
        #expect(json?["score"] != nil)
        #expect((json?["tests"] as? [Any])?.isEmpty == false)
        // JUnit XML parses, one testcase per test
        final class Counter: NSObject, XMLParserDelegate {
            var cases = 0, failures = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "testcase" { cases += 1 }
                if name == "failure" { failures += 1 }
            }
        }
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: files[1])))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "JUnit XML does not parse: \(String(describing: parser.parserError))")
        let count = (json?["tests"] as? [Any])?.count ?? -1
        #expect(counter.cases == count)
        #expect(counter.failures == 0)
        // TAP 13: version, plan, one line per test
        let tap = try String(contentsOfFile: files[2], encoding: .utf8).split(separator: "\n")
        #expect(tap.first == "TAP version 13")
        #expect(tap.dropFirst().first == "1..\(count)")
        #expect(tap.filter { $0.hasPrefix("ok ") || $0.hasPrefix("not ok ") }.count == count)
    }

    @Test func shardsMergedEqualTheWholeRun() throws {
        let out = try VMLabProcess.temporaryFolder()
        // Two labs that fail differently, so messages and scores matter.
        let a = try Self.makeLab(student: "return { add = function(a, b) if a == 1 then return 0 end return a + b end }", name: "a")
        let b = try Self.makeLab(student: "return { add = function(a, b) return a + b end }", name: "b")
        let parent = out.appendingPathComponent("labs")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: a, to: parent.appendingPathComponent("a"))
        try FileManager.default.moveItem(at: b, to: parent.appendingPathComponent("b"))
        for ext in ["json", "xml", "tap"] {
            let whole = out.appendingPathComponent("whole.\(ext)").path
            _ = try VMLabProcess.run(["check", parent.path, "--report", whole])
            let p1 = out.appendingPathComponent("p1.\(ext)").path, p2 = out.appendingPathComponent("p2.\(ext)").path
            let s1 = try VMLabProcess.run(["check", parent.path, "--shard", "1/2", "--report", p1])
            let s2 = try VMLabProcess.run(["check", parent.path, "--shard", "2/2", "--report", p2])
            #expect(s1.stdout.hasSuffix("2 passed, 1 failed\n"))
            #expect(s2.stdout.hasSuffix("3 passed, 0 failed\n"))
            let merged = out.appendingPathComponent("merged.\(ext)").path
            let m = try VMLabProcess.run(["report", "merge", p2, p1, "-o", merged])
            #expect(m.status == 0, "\(m.stderr)")
            #expect(try String(contentsOfFile: merged, encoding: .utf8) == String(contentsOfFile: whole, encoding: .utf8), "\(ext)")
        }
        // And with the real labs.
        let whole = out.appendingPathComponent("labs-whole.json").path
        _ = try VMLabProcess.run(["check", Self.labsFolder, "--solution", "--report", whole])
        var parts: [String] = []
        for k in 1...3 {
            let p = out.appendingPathComponent("labs-\(k).json").path
            _ = try VMLabProcess.run(["check", Self.labsFolder, "--solution", "--shard", "\(k)/3", "--report", p])
            parts.append(p)
        }
        let merged = out.appendingPathComponent("labs-merged.json").path
        _ = try VMLabProcess.run(["report", "merge"] + parts + ["-o", merged])
        #expect(try String(contentsOfFile: merged, encoding: .utf8) == String(contentsOfFile: whole, encoding: .utf8))
    }
}

import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test func pipedStandardInputRunsAsAScript() throws {
        let r = try VMLabProcess.run([], input: "print(1+1)\n")
        #expect(r.status == 0)
        #expect(r.stdout == "2\n")
        #expect(r.stderr == "")
    }

    @Test func errorInCommandLineCode() throws {
        let r = try VMLabProcess.run(["-e", "error(\"boom\")"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("vmlab: (command line):1: boom\nstack traceback:"))
    }

    @Test func missingScript() throws {
        let r = try VMLabProcess.run(["missing.lua"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("vmlab: cannot open missing.lua"))
    }

    @Test func badUsageExitsWith2() throws {
        let r = try VMLabProcess.run(["--max-instructions", "zero"])
        #expect(r.status == 2)
        let unknown = try VMLabProcess.run(["--frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unrecognized option '--frobnicate'"))
    }

    @Test func sameScriptSameSeedSameOutput() throws {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let script = parts.joined(separator: "/") + "/Scripts/examples/determinism.lua"
        let first = try VMLabProcess.run([script, "42"]), second = try VMLabProcess.run([script, "42"])
        let other = try VMLabProcess.run([script, "7"])
        #expect(first.status == 0 && first.stdout.contains("check: 0 violations"), "\(first.stderr)")
        #expect(first.stdout == second.stdout, "two runs with seed 42 differ")
        #expect(first.stdout != other.stdout, "another seed must give another run")
    }

    @Test func traceConvertAndInfo() throws {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        let fixture = parts.joined(separator: "/") + "/Fixtures/ls.lackey.gz"
        let folder = try VMLabProcess.temporaryFolder()
        let binary = folder.appendingPathComponent("ls.vmt").path
        let convert = try VMLabProcess.run(["trace", "convert", fixture, binary])
        #expect(convert.status == 0 && convert.stdout == "\(binary): 201612 records\n", "\(convert)")
        let text = try VMLabProcess.run(["trace", "info", fixture])
        let fast = try VMLabProcess.run(["trace", "info", binary])
        let facts = "201612 accesses (35445 reads, 13337 writes, 152830 fetches), 126 distinct pages of 4096 bytes, footprint 504 KiB\n"
        #expect(text.stdout == "\(fixture): \(facts)" && fast.stdout == "\(binary): \(facts)")
        let missing = try VMLabProcess.run(["trace", "info", folder.appendingPathComponent("none").path])
        #expect(missing.status == 1 && missing.stderr.contains("cannot open"))
        let badSize = try VMLabProcess.run(["trace", "convert", fixture, binary, "--page-size", "3000"])
        #expect(badSize.status == 2 && badSize.stderr.contains("power of two"))
    }

    @Test func scriptSeesItsArguments() throws {
        let folder = try VMLabProcess.temporaryFolder()
        let script = folder.appendingPathComponent("args.lua")
        try "print(#arg, arg[0] ~= nil, ...)".write(to: script, atomically: true, encoding: .utf8)
        let r = try VMLabProcess.run([script.path, "one", "-two"])
        #expect(r.status == 0)
        #expect(r.stdout == "2\ttrue\tone\t-two\n")
        let stdin = try VMLabProcess.run(["-", "x"], input: "print(...)")
        #expect(stdin.stdout == "x\n")
    }

    @Test func vmModuleIsPreloaded() throws {
        let r = try VMLabProcess.run(["-e", "print(vm.size('4 KiB'), require('vm') == vm)"])
        #expect(r.stdout == "4096\ttrue\n")
        let bad = try VMLabProcess.run(["-e", "vm.size({})"])
        #expect(bad.stderr.hasPrefix("vmlab: (command line):1: bad argument #1 to 'size' (string expected, got table)"))
    }

    @Test func limitsFromTheCommandLine() throws {
        let time = try VMLabProcess.run(["--timeout", "0.3", "-e", "while true do end"])
        #expect(time.status == 1)
        #expect(time.stderr.contains("time limit exceeded"))
        let instructions = try VMLabProcess.run(["--max-instructions", "100000", "-e", "while true do end"])
        #expect(instructions.stderr.contains("instruction limit exceeded"))
        let memory = try VMLabProcess.run(["--max-memory", "4M", "-e", "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end"])
        #expect(memory.stderr.contains("memory limit exceeded"))
    }

    @Test func docPrintsTheReference() throws {
        let r = try VMLabProcess.run(["doc"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("### `vm.size(s) -> integer`"))
    }
}

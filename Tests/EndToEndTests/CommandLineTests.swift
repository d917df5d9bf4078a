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

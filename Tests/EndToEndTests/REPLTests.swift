import Foundation
import Testing

// One at a time: each types at its own pty with human pauses, and two at once halve the CPU each gets.
@Suite(.serialized) struct REPLTests {
    func startREPL(history: URL) throws -> Terminal {
        var environment = ProcessInfo.processInfo.environment
        environment["VMLAB_HISTORY"] = history.path
        environment["TERM"] = "xterm"
        let terminal = try Terminal(VMLabProcess.executable, arguments: [], environment: environment)
        try terminal.expect("> ")
        return terminal
    }

    @Test func sessionPrintsContinuesRecoversAndRecalls() throws {
        let folder = try VMLabProcess.temporaryFolder()
        let history = folder.appendingPathComponent("history")
        let t = try startREPL(history: history)
        // Expressions print their values; tables pretty-printed.
        t.send("1 + 1\r")
        #expect(try t.expect("\n> ").contains("2\r\n"))
        t.send("{3, 4, name = 'x'}\r")
        #expect(try t.expect("\n> ").contains("{ 3, 4, name = \"x\" }"))
        // Incomplete input continues with >>.
        t.send("for i = 1, 2 do\r")
        try t.expect(">> ")
        t.send("print(i * 10) end\r")
        let loop = try t.expect("\n> ")
        #expect(loop.contains("10\r\n20\r\n"))
        // An error, then a working prompt.
        t.send("error('boom')\r")
        #expect(try t.expect("\n> ").contains("stdin:1: boom"))
        t.send("=6 * 7\r")
        #expect(try t.expect("\n> ").contains("42"))
        // History recall: up-arrow brings back the last line.
        t.send("\u{1b}[A\r")
        #expect(try t.expect("\n> ").contains("42"))
        // Tab completion of a field of vm ("vm.si" would stop at the common prefix of vm.size and vm.simulate).
        t.send("vm.siz\t")
        try t.expect("e")
        t.send("('2K')\r")
        #expect(try t.expect("\n> ").contains("2048"))
        // Ctrl-C interrupts a running chunk, not the program: sent once the
        // line is echoed (libedit has returned it) and the loop had time to start.
        t.send("while true do end\r")
        try t.expect("while true do end\r\n")
        Thread.sleep(forTimeInterval: 0.5)
        t.send("\u{03}", atOnce: true)   // the chunk runs: the terminal is back in canonical mode
        #expect(try t.expect("\n> ").contains("interrupted!"))
        // At the prompt Ctrl-C drops the chunk being typed, also mid-continuation.
        t.send("for i = 1, 3 do\r")
        try t.expect(">> ")
        t.send("\u{03}")
        try t.expect("\n> ")
        t.send("print('after cancel')\r")
        let cancelled = try t.expect("\n> ")
        #expect(cancelled.contains("after cancel") && !cancelled.contains(">> "))
        t.send("print('still here')\r")
        #expect(try t.expect("\n> ").contains("still here"))
        // Ctrl-D exits with status 0 and the history file holds the session.
        t.send("\u{04}")
        #expect(try t.wait() == 0)
        let saved = try String(contentsOf: history, encoding: .utf8)
        #expect(saved.contains("=6\\040*\\0407") || saved.contains("=6 * 7"))
    }

    @Test func historySurvivesRestart() throws {
        let folder = try VMLabProcess.temporaryFolder()
        let history = folder.appendingPathComponent("history")
        let first = try startREPL(history: history)
        first.send("x = 'from the first session'\r")
        try first.expect("\n> ")
        first.send("\u{04}")
        _ = try first.wait()
        let second = try startREPL(history: history)
        second.send("\u{1b}[A\r")
        try second.expect("\n> ")
        second.send("print(x)\r")
        #expect(try second.expect("\n> ").contains("from the first session"))
        second.send("\u{04}")
        _ = try second.wait()
    }
}

import ArgumentParser
import VMLab
#if canImport(Glibc)
import Glibc
#endif

/// `vmlab`: the REPL and script runner (default), plus the tool subcommands.
@main
struct VMLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vmlab",
        abstract: "A virtual-memory laboratory: the memory system of a computer, scriptable in Lua 5.4.",
        discussion: """
            With no subcommand, vmlab behaves like lua5.4 with the `vm` module loaded:
              vmlab                      REPL on a terminal; runs standard input otherwise
              vmlab FILE.lua [ARGS...]   run a script (it sees `arg` and `...`)
              vmlab -e CODE              run CODE;  -i: REPL after the script
            Exit status: 0 on success, 1 on a Lua error, 2 on bad usage.
            """,
        subcommands: [RunCommand.self, DocCommand.self, CheckCommand.self, ReportCommand.self, BenchCommand.self, TraceCommand.self],
        defaultSubcommand: RunCommand.self)

    /// Runs the command; usage errors exit with status 2, like lua5.4.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    fflush(nil)  // keep stdout and stderr in order
    var line = text + "\n"
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}

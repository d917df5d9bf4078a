import ArgumentParser
import CLua
import LuaKit
import VMLab
import VMLabLua
#if canImport(Glibc)
import Glibc
#endif

/// The lua5.4-style front end: scripts, `-e` chunks, standard input and the REPL.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a Lua script, code from -e, standard input, or the REPL (the default command).",
        discussion: """
            Examples:
              vmlab Scripts/examples/hello.lua
              vmlab -e 'print(vm.size("2 MiB"))'
              echo 'print(1+1)' | vmlab
              vmlab --timeout 5 --max-memory 64M script.lua
            """)

    @Option(name: .customShort("e"), help: ArgumentHelp("Run CODE (may be repeated).", valueName: "CODE"))
    var execute: [String] = []

    @Flag(name: .customShort("i"), help: "Enter the REPL after running the script or code.")
    var interactive = false

    @Flag(name: .customShort("v"), help: "Print the version.")
    var version = false

    @Option(name: .customLong("max-instructions"), help: ArgumentHelp("Stop a chunk after N Lua instructions.", valueName: "N"))
    var maxInstructions: Int?

    @Option(name: .customLong("max-memory"), help: ArgumentHelp("Limit the Lua state's memory (e.g. 64M).", valueName: "SIZE"))
    var maxMemory: String?

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Stop a chunk after SECONDS of wall-clock time.", valueName: "SECONDS"))
    var timeout: Double?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The script (- for standard input) and its arguments.", valueName: "script [args]"))
    var script: [String] = []

    func validate() throws {
        if let maxInstructions, maxInstructions <= 0 { throw ValidationError("--max-instructions must be positive") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
        if let maxMemory {
            do {
                let bytes = try ByteSize.parse(maxMemory)
                guard bytes > 0 else { throw ValidationError("--max-memory must be positive") }
            } catch let error as ByteSize.ParseError {
                throw ValidationError("--max-memory: \(error)")
            }
        }
    }

    func run() throws {
        var script = self.script
        if script.first == "--" { script.removeFirst() }
        else if let first = script.first, first.hasPrefix("-"), first != "-" {
            printError("vmlab: unrecognized option '\(first)'\nUsage: vmlab [options] [script [args]]   (vmlab --help for more)")
            throw ExitCode(2)
        }
        let limits = LuaLimits(
            instructions: maxInstructions,
            memory: try maxMemory.map { try ByteSize.parse($0) },
            timeout: timeout)
        let state = try ScriptHost.makeState(limits: limits)
        setArgumentTable(state, script: script)
        if version { print(Self.versionLine(state)) }
        for code in execute {
            try report { _ = try state.catchingInterrupts { try state.run(code, name: "=(command line)") } }
        }
        if let path = script.first {
            let arguments = Array(script.dropFirst())
            try report { _ = try state.catchingInterrupts { try state.runFile(path == "-" ? nil : path, arguments: arguments) } }
        }
        let onTerminal = isatty(0) != 0
        if interactive || (script.isEmpty && execute.isEmpty && !version) {
            if interactive || onTerminal {
                if onTerminal { print(Self.versionLine(state) + "  help() for help, Ctrl-D to exit") }
                REPL(state: state, terminal: onTerminal).run()
            } else {
                try report { _ = try state.catchingInterrupts { try state.runFile(nil) } }
            }
        }
    }

    static func versionLine(_ state: LuaState) -> String {
        let v = Int(lua_version(state.L))
        return "vmlab \(VMLab.version) (Lua \(v / 100).\(v % 100))"
    }

    /// Runs `body`; a Lua error is printed as lua5.4 does and ends the program with status 1.
    func report(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as LuaError {
            printError("vmlab: \(error)")
            throw ExitCode(1)
        }
    }

    /// `arg` as lua5.4 builds it: arg[0] the script, arg[1…] its arguments,
    /// negative indices the program and its options.
    func setArgumentTable(_ state: LuaState, script: [String]) {
        let argv = CommandLine.arguments
        let scriptIndex = script.isEmpty ? 0 : argv.count - script.count
        let L = state.L
        lua_createtable(L, Int32(max(0, argv.count - scriptIndex - 1)), Int32(scriptIndex + 1))
        for (i, value) in argv.enumerated() {
            value.push(to: L)
            lua_rawseti(L, -2, lua_Integer(i - scriptIndex))
        }
        lua_setglobal(L, "arg")
    }
}

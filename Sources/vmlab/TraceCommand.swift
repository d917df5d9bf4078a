import ArgumentParser
import VMLab

/// `vmlab trace`: work on trace files from the shell.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Convert and describe memory traces (lackey, page lists, CSV, vmlab binary; .gz/.zst/.xz).",
        subcommands: [TraceConvertCommand.self, TraceInfoCommand.self])

    /// Runs `body` with the `--page-size` text parsed: a bad size is a usage error (exit 2),
    /// any other failure prints `vmlab trace NAME: message` and exits 1.
    static func reporting(_ name: String, pageSize text: String, _ body: (UInt64) throws -> Void) throws {
        let size: UInt64
        do { size = UInt64(try ByteSize.parse(text)) } catch { throw ValidationError("--page-size: \(error)") }
        guard size > 0, size & (size - 1) == 0 else { throw ValidationError("--page-size must be a power of two, got \(text)") }
        do {
            try body(size)
        } catch {
            printError("vmlab trace \(name): \(error)")
            throw ExitCode(1)
        }
    }
}

/// `vmlab trace convert IN OUT`: parse a text trace once into the binary format.
struct TraceConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a trace (format detected) to vmlab's binary format, to replay it fast.",
        discussion: """
            Example:
              vmlab trace convert ls.lackey.gz ls.vmt     # then vm.trace.binary("ls.vmt") in Lua
            Lackey accesses that cross a page boundary are split at --page-size (default 4096).
            """)

    @Argument(help: "The trace to read.") var input: String
    @Argument(help: "The binary trace to write (replaced if it exists).") var output: String
    @Option(help: "Page size for splitting lackey accesses (bytes, e.g. 4096 or \"2 MiB\").") var pageSize = "4096"

    func run() throws {
        try TraceCommand.reporting("convert", pageSize: pageSize) { size in
            let records = try BinaryTraceWriter.convert(input: input, output: output, pageSize: size)
            print("\(output): \(records) records")
        }
    }
}

/// `vmlab trace info FILE`: counts by kind, distinct pages and footprint.
struct TraceInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Read a trace once and print its accesses by kind, distinct pages and footprint.")

    @Argument(help: "The trace to read.") var input: String
    @Option(help: "Page size for counting distinct pages (bytes, e.g. 4096 or \"2 MiB\").") var pageSize = "4096"

    func run() throws {
        try TraceCommand.reporting("info", pageSize: pageSize) { size in
            let trace = try TraceFormat.detect(path: input).open(path: input, pageSize: size)
            defer { trace.close() }
            print("\(input): \(try TraceInfo(measuring: trace, pageSize: size))")
        }
    }
}

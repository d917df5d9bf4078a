import ArgumentParser

/// `vmlab report`: work on report files.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work on report files written by vmlab check.",
        subcommands: [ReportMergeCommand.self])
}

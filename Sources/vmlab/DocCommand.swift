import ArgumentParser
import LuaKit

/// `vmlab doc`: the Lua API reference in Markdown, generated from the help registry.
struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Print the Lua API reference (Markdown) generated from the help registry.")

    @Argument(help: "Only this entry, e.g. vm.size (default: the whole reference).")
    var name: String?

    func run() throws {
        let state = try ScriptHost.makeState(limits: LuaLimits())
        if let name {
            guard let text = state.help.text(for: name) else {
                printError("vmlab doc: nothing documented as '\(name)'")
                throw ExitCode(1)
            }
            print(text)
        } else {
            print(state.help.markdown(title: "vmlab Lua API reference"), terminator: "")
        }
    }
}

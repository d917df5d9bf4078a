import CLua
import LuaKit
#if canImport(Glibc)
import Glibc
#endif

/// The read-eval-print loop, with lua5.4's conventions: prompts `> ` and
/// `>> ` (or `_PROMPT`/`_PROMPT2`), expressions print their values, `=expr`
/// works, incomplete input continues, errors print `stdin:1: …` with a
/// traceback and the loop goes on, Ctrl-C interrupts a running chunk,
/// Ctrl-D exits. Tables print nested with sorted keys.
struct REPL {
    let state: LuaState
    let editor: LineEditor?

    init(state: LuaState, terminal: Bool) {
        self.state = state
        self.editor = terminal ? LineEditor(state: state) : nil
    }

    func run() {
        while readChunk() != nil {
            let top = lua_gettop(state.L) - 1  // below the chunk
            do {
                let count = try state.catchingInterrupts { try state.execute() }
                printResults(from: top + 1, count: count)
            } catch {
                printError("\(error)")
            }
            lua_settop(state.L, top)
        }
        if editor != nil { print() }
    }

    func prompt(continuation: Bool) -> String {
        let name = continuation ? "_PROMPT2" : "_PROMPT"
        if case .string(let custom) = state.global(name) { return custom }
        return continuation ? ">> " : "> "
    }

    func readLine(continuation: Bool) -> LineEditor.Input {
        if let editor { return editor.readLine(prompt: prompt(continuation: continuation)) }
        return Swift.readLine(strippingNewline: true).map { .line($0) } ?? .end
    }

    /// Reads lines until they form a chunk that compiles (leaving it on the
    /// stack) or fails with an error other than "incomplete". nil at end of
    /// input; Ctrl-C drops what was typed of the chunk and prompts again.
    func readChunk() -> String? {
        while true {
            let first = readLine(continuation: false)
            if first == .cancelled { continue }
            guard case .line(let typed) = first else { return nil }
            let line = typed.hasPrefix("=") ? "return " + typed.dropFirst() : typed
            // An expression first: print its values.
            if (try? state.load("return " + line + ";", name: "=stdin")) != nil {
                editor?.remember(typed)
                return line
            }
            var text = line
            while true {
                do {
                    try state.load(text, name: "=stdin")
                    editor?.remember(text == line ? typed : text)
                    return text
                } catch let error as LuaError where error.kind == .syntax && error.message.hasSuffix("<eof>") {
                    let next = readLine(continuation: true)
                    if next == .cancelled { break }
                    guard case .line(let more) = next else {
                        printError(error.message)
                        return nil
                    }
                    text += "\n" + more
                } catch {
                    editor?.remember(text == line ? typed : text)
                    printError("\(error)")
                    break
                }
            }
        }
    }

    /// Prints the chunk's results through the global `print`, tables pretty-printed.
    func printResults(from first: Int32, count: Int32) {
        guard count > 0 else { return }
        let L = state.L
        let printer = LuaPrinter()
        let texts = (0..<count).map { printer.describe(state, at: first + $0) }
        lua_getglobal(L, "print")
        for text in texts { text.push(to: L) }
        do {
            try state.execute(arguments: count)
        } catch {
            printError("error calling 'print' (\(error))")
        }
    }
}

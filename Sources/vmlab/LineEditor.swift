@preconcurrency import CEditLine
import LuaKit
#if canImport(Glibc)
import Glibc
#endif

/// libedit behind the REPL: line editing, a bounded history file and tab
/// completion of globals, fields and methods.
final class LineEditor {
    let historyPath: String?
    static let historyLimit: Int32 = 1000

    init(state: LuaState) {
        completionState = state
        historyPath = LineEditor.defaultHistoryPath()
        rl_readline_name = UnsafePointer(strdup("vmlab"))
        // '.' and ':' stay inside a word, so "vm.ma" and "m:tr" complete as one.
        rl_completer_word_break_characters = strdup(" \t\n\"\\'`@$><=;|&{(,+-*/%^~#[]")
        rl_attempted_completion_function = completeWord
        rl_completion_append_character = 0
        rl_catch_signals = 0  // Ctrl-C at the prompt is ours: see readLine
        using_history()
        stifle_history(Self.historyLimit)
        if let historyPath { _ = read_history(historyPath) }
    }

    /// `$VMLAB_HISTORY`, else `~/.vmlab_history`.
    static func defaultHistoryPath() -> String? {
        if let custom = getenv("VMLAB_HISTORY") { return String(cString: custom) }
        guard let home = getenv("HOME") else { return nil }
        return String(cString: home) + "/.vmlab_history"
    }

    /// What the person at the keyboard gave.
    enum Input: Equatable {
        case line(String)
        case cancelled  // Ctrl-C: the line is dropped
        case end        // Ctrl-D on an empty line
    }

    /// Reads one line with `prompt`. Ctrl-C cancels the line rather than
    /// ending the program (libedit leaves SIGINT to us: `rl_catch_signals = 0`).
    func readLine(prompt: String) -> Input {
        let (line, cancelled) = LuaState.readingInterruptibly { readline(prompt) }
        guard let line else {
            if cancelled { print() }
            return cancelled ? .cancelled : .end
        }
        defer { free(line) }
        return .line(String(cString: line))
    }

    /// Adds an entry to the history and saves the (bounded) history file.
    func remember(_ entry: String) {
        guard !entry.isEmpty else { return }
        add_history(entry)
        if let historyPath {
            _ = write_history(historyPath)
            _ = history_truncate_file(historyPath, Self.historyLimit)
        }
    }
}

// libedit calls back through plain C function pointers: the state and the
// matches of the current completion live here (one REPL per process).
nonisolated(unsafe) private var completionState: LuaState?
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionNext = 0

private let completeWord: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_attempted_completion_over = 1  // never fall back to file names
    guard let text, let state = completionState else { return nil }
    completionMatches = state.completions(for: String(cString: text))
    completionNext = 0
    guard !completionMatches.isEmpty else { return nil }
    return rl_completion_matches(text, nextMatch)
}

private let nextMatch: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
    if state == 0 { completionNext = 0 }
    guard completionNext < completionMatches.count else { return nil }
    defer { completionNext += 1 }
    return strdup(completionMatches[completionNext])
}

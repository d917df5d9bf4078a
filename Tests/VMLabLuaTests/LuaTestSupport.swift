#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import Testing
import VMLabLua

/// A state with the standard libraries and the `vm` module, as vmlab makes it.
func makeVMState() throws -> LuaState {
    let state = try LuaState()
    state.openStandardLibraries()
    VMModule.install(in: state)
    return state
}

/// Runs Lua test code in which `assert`/`error` report failures; records them as issues.
func runLua(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let state = try makeVMState()
    do {
        try state.run(code, name: "=test")
    } catch let error as LuaError {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
}

/// The message of the error `code` raises (nil if none).
func luaError(_ code: String) throws -> String? {
    let state = try makeVMState()
    do {
        try state.run(code, name: "=test")
        return nil
    } catch let error as LuaError {
        return error.message
    }
}

/// `Tests/Fixtures/<name>`, found from this source file's path.
func fixturePath(_ name: String) -> String {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(2)  // VMLabLuaTests/LuaTestSupport.swift
    return parts.joined(separator: "/") + "/Fixtures/" + name
}

/// Expects each chunk to fail with a message containing its text.
func expectLuaErrors(_ cases: [(code: String, expected: String)], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (code, expected) in cases {
        let message = try luaError(code)
        #expect(message?.contains(expected) == true, "\(code) → \(message ?? "no error")", sourceLocation: sourceLocation)
    }
}

/// A new empty folder under /tmp; `body` runs with its path, then the folder is removed.
func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array("/tmp/vmlab-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw LuaError(kind: .runtime, message: "mkdtemp failed") }
    let folder = String(cString: made)
    defer { _ = system("rm -rf '\(folder)'") }
    return try body(folder)
}

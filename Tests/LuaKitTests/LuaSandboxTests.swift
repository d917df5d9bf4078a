import Glibc
import LuaKit
import Testing

@Suite struct LuaSandboxTests {
    func sandboxed() throws -> (LuaState, String) {
        var template = Array("/tmp/lksandboxXXXXXX".utf8CString)
        let folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let state = try makeState()
        try state.applySandbox(LuaSandbox(allowedFolders: [folder]))
        return (state, folder)
    }

    @Test func dangerousFunctionsAreGone() throws {
        let (state, _) = try sandboxed()
        let r = try state.run("return os.execute, io.popen, package.loadlib, os.exit, os.remove, os.rename, debug.getinfo, type(debug.traceback)")
        #expect(r == [.nil, .nil, .nil, .nil, .nil, .nil, .nil, .string("function")])
    }

    @Test func filesOutsideTheFolderCannotBeOpened() throws {
        let (state, folder) = try sandboxed()
        let r = try state.run("return io.open('/etc/passwd')")
        #expect(r.first == .nil)
        #expect(r.last?.stringValue?.contains("outside the sandbox") == true)
        #expect(errorMessage(state, "for l in io.lines('/etc/passwd') do end")?.contains("outside the sandbox") == true)
        #expect(errorMessage(state, "dofile('/etc/passwd')")?.contains("outside the sandbox") == true)
        #expect(errorMessage(state, "return require('os.something')") != nil)
        // Escaping through .. is resolved first.
        #expect(try state.run("return io.open('\(folder)/../../etc/passwd')").first == .nil)
        // Inside the folder: allowed.
        let inside = try state.run("""
            local f = assert(io.open('\(folder)/out.txt', 'w')) f:write('hello') f:close()
            return io.open('\(folder)/out.txt'):read('a')
            """)
        #expect(inside == [.string("hello")])
    }

    @Test func binaryChunksAreRefused() throws {
        let (state, _) = try sandboxed()
        let r = try state.run("return load(string.dump(function() return 1 end))")
        #expect(r.first == .nil)
    }
}

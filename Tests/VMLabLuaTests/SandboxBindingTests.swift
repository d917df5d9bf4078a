#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import Testing
import VMLabLua

/// Under the sandbox of graded code, the `vm` functions that open files obey it as `io.open` does.
@Suite struct SandboxBindingTests {
    @Test func traceFilesStayInsideTheAllowedFolders() throws {
        try withTemporaryFolder { folder in
            let state = try makeVMState()
            try state.applySandbox(LuaSandbox(allowedFolders: [folder]))
            let fixture = fixturePath("belady.pages")
            let outside = try? state.run("return vm.trace.pages('\(fixture)')", name: "=test")
            #expect(outside == nil, "a trace outside the sandbox must not open")
            do {
                _ = try state.run("vm.trace.convert('\(fixture)', '\(folder)/x.vmt')", name: "=test")
                Issue.record("convert read a file outside the sandbox")
            } catch let error as LuaError {
                #expect(error.message.contains("outside the sandbox"), "\(error.message)")
            }
            // Inside: write a page list with io.open, convert it, read it back.
            let counted = try state.run("""
                local f = assert(io.open('\(folder)/t.pages', 'w')); f:write('1\\n2\\n3\\n'); f:close()
                vm.trace.convert('\(folder)/t.pages', '\(folder)/t.vmt')
                return vm.trace.binary('\(folder)/t.vmt'):count()
                """, name: "=test")
            #expect(counted == [.integer(3)])
            let escape = try? state.run("vm.trace.convert('\(folder)/t.pages', '/tmp/vmlab-escaped-\(getpid()).vmt')", name: "=test")
            #expect(escape == nil && access("/tmp/vmlab-escaped-\(getpid()).vmt", F_OK) != 0, "no file written outside")
        }
    }
}

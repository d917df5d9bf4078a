@preconcurrency import Glibc
import Synchronization

/// Serialises starting decompressors (see `DecompressorProcess.spawn`).
private let spawnLock = Mutex<Int>(0)

/// A running `gzip -dc` (or `zstd -dc`, `xz -dc`) whose standard input is a trace file and whose
/// standard output is a pipe vmlab reads. See `Decompressor` for why a process.
///
/// The child is always reaped: at the end of its output vmlab waits for it and checks its exit
/// status; on an early `terminate()` (trace closed before its end) it is killed and waited for,
/// so no zombie and no blocked writer is ever left behind. Its standard error goes to a second
/// pipe that is drained while reading, so a chatty child cannot block, and the text becomes the
/// error message if it fails.
final class DecompressorProcess {
    let kind: Decompressor
    let path: String
    /// The program run (normally `kind.program`).
    let program: String
    /// The child's process id (for tests and diagnostics).
    let processID: pid_t
    private var outputFD: Int32
    private var errorFD: Int32
    private var errorText: [UInt8] = []
    private var reaped = false

    /// Starts the decompressor reading from `inputFD` (which the caller may close afterwards).
    /// `program` replaces `kind.program` (tests use it to simulate a missing program).
    init(_ kind: Decompressor, inputFD: Int32, path: String, program: String? = nil) throws {
        let program = program ?? kind.program
        self.program = program
        self.kind = kind
        self.path = path
        let spawned = spawnLock.withLock { _ in
            DecompressorProcess.spawn(program: program, arguments: Array(kind.arguments.dropFirst()), inputFD: inputFD)
        }
        if let pipeError = spawned.pipeError {
            throw TraceError.cannotOpen(path: path, reason: "pipe: \(pipeError)")
        }
        let status = spawned.status
        if status != 0 {
            Glibc.close(spawned.outputFD)
            Glibc.close(spawned.errorFD)
            if status == ENOENT {
                throw TraceError.missingDecompressor(
                    path: path, program: program, debianPackage: kind.debianPackage)
            }
            throw TraceError.decompressorFailed(
                path: path, program: program, message: String(cString: strerror(status)))
        }
        processID = spawned.processID
        outputFD = spawned.outputFD
        errorFD = spawned.errorFD
        _ = fcntl(errorFD, F_SETFL, fcntl(errorFD, F_GETFL) | O_NONBLOCK)
    }

    deinit { terminate() }

    private struct Spawned {
        var status: Int32 = 0
        var processID: pid_t = 0
        var outputFD: Int32 = -1
        var errorFD: Int32 = -1
        var pipeError: String?
    }

    /// Creates the two pipes and starts the child. Runs under `spawnLock`, so that no other
    /// decompressor is started while these pipes exist without close-on-exec or while their
    /// child-side ends are still open here: a child never inherits another trace's pipe (which
    /// would delay that trace's end of file until the wrong child exits).
    private static func spawn(program: String, arguments: [String], inputFD: Int32) -> Spawned {
        var result = Spawned()
        var output: [Int32] = [-1, -1]
        var error: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not visible from Swift's Glibc module: pipe + FD_CLOEXEC under
        // the lock instead.
        guard makePipe(&output) else {
            result.pipeError = errnoText()
            return result
        }
        guard makePipe(&error) else {
            result.pipeError = errnoText()
            Glibc.close(output[0]); Glibc.close(output[1])
            return result
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, error[1], 2)
        // The child gets default signal handling for SIGPIPE even if this process ignores it,
        // so closing the pipe early ends it at once.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        var pid: pid_t = 0
        result.status = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        for arg in argv { free(arg) }
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        Glibc.close(output[1])
        Glibc.close(error[1])
        result.processID = pid
        result.outputFD = output[0]
        result.errorFD = error[0]
        return result
    }

    /// Reads up to `count` decompressed bytes; 0 at the end, after the child exited successfully.
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard outputFD >= 0 else { return 0 }
        while true {
            var fds: [pollfd] = [
                pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errorFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, errorFD >= 0 ? 2 : 1, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw TraceError.cannotRead(path: path, reason: "poll: \(errnoText())")
            }
            if errorFD >= 0 && fds[1].revents != 0 { drainErrors() }
            if fds[0].revents != 0 {
                let n = Glibc.read(outputFD, destination, count)
                if n > 0 { return n }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw TraceError.cannotRead(path: path, reason: errnoText())
                }
                try finish()
                return 0
            }
        }
    }

    /// Kills the child if it is still running and reaps it. Safe to call more than once.
    func terminate() {
        if !reaped {
            kill(processID, SIGKILL)
            waitFor()
        }
        closePipes()
    }

    /// After the end of output: waits for the child and turns a failure into an error.
    private func finish() throws {
        while errorFD >= 0 { drainErrors(blocking: true) }
        let status = waitFor()
        closePipes()
        let exitedNormally = status & 0x7F == 0
        let exitCode = (status >> 8) & 0xFF
        if !exitedNormally || exitCode != 0 {
            var message = String(decoding: errorText, as: UTF8.self)
            while message.last?.isWhitespace == true { message.removeLast() }
            if message.isEmpty {
                message = exitedNormally ? "exit status \(exitCode)" : "killed by signal \(status & 0x7F)"
            }
            throw TraceError.decompressorFailed(path: path, program: program, message: message)
        }
    }

    @discardableResult
    private func waitFor() -> Int32 {
        var status: Int32 = 0
        while waitpid(processID, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status
    }

    /// Reads what the child wrote to standard error (keeping the first 4 KiB).
    private func drainErrors(blocking: Bool = false) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while errorFD >= 0 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(errorFD, $0.baseAddress, $0.count) }
            if n > 0 {
                errorText.append(contentsOf: chunk[..<min(n, max(0, 4096 - errorText.count))])
                continue
            }
            if n == 0 {
                Glibc.close(errorFD)
                errorFD = -1
                return
            }
            if errno == EINTR { continue }
            if errno == EAGAIN && blocking {
                var fd = pollfd(fd: errorFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, -1)
                continue
            }
            return
        }
    }

    private func closePipes() {
        if outputFD >= 0 { Glibc.close(outputFD); outputFD = -1 }
        if errorFD >= 0 { Glibc.close(errorFD); errorFD = -1 }
    }
}

/// `pipe` with both ends close-on-exec.
private func makePipe(_ ends: inout [Int32]) -> Bool {
    guard pipe(&ends) == 0 else { return false }
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    return true
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}

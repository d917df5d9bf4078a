import Foundation
import Glibc

/// A program running on a pseudo-terminal, driven like a person at a
/// keyboard: `send` types, `expect` waits until the screen output contains a text.
final class Terminal {
    let master: Int32
    let slave: Int32
    let pid: pid_t
    private(set) var output = ""
    private var consumed = String.Index?.none

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(_ path: String, arguments: [String], environment: [String: String]) throws {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw Failure(description: "openpty failed") }
        // Tests run in parallel: ttyname's static buffer could hand this terminal another
        // test's slave name, and fds without close-on-exec leak into the other tests' children.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        var nameBuffer = [CChar](repeating: 0, count: 256)
        guard ttyname_r(slave, &nameBuffer, nameBuffer.count) == 0 else { throw Failure(description: "ttyname_r failed") }
        let slaveName = String(cString: nameBuffer)
        // The slave stays open here until the end: reading the master while no
        // process holds the slave fails with EIO, and the child may not have opened it yet.
        self.slave = slave
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        // A new session: opening the terminal below makes it the controlling one, so ^C sends SIGINT.
        // POSIX_SPAWN_SETSID | SETSIGMASK | SETSIGDEF (glibc values; the macros are not
        // exported to Swift): a fresh session, no blocked signals, SIGINT at its default,
        // whatever the test runner did to its own signals.
        posix_spawnattr_setflags(&attributes, 0x80 | 0x08 | 0x04)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &interrupt)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, slaveName, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard status == 0 else { throw Failure(description: "posix_spawn failed: \(status)") }
        self.master = master
        self.pid = pid
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
        close(slave)
    }

    /// Types `text` once the line editor is reading (it has turned canonical mode off: input
    /// typed before that switch can be lost), after a short pause as a person would. With
    /// `atOnce`, types without waiting (a Ctrl-C while a chunk runs in canonical mode).
    func send(_ text: String, atOnce: Bool = false) {
        if !atOnce {
            let deadline = Date().addingTimeInterval(10)
            var attributes = termios()
            while Date() < deadline {
                if tcgetattr(slave, &attributes) == 0 && attributes.c_lflag & tcflag_t(ICANON) == 0 { break }
                usleep(20_000)
            }
        }
        usleep(300_000)
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Waits (at most `timeout` seconds) until new output contains `text`;
    /// output up to the match is consumed.
    @discardableResult
    func expect(_ text: String, timeout: Double = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let start = consumed ?? output.startIndex
            if let range = output.range(of: text, range: start..<output.endIndex) {
                consumed = range.upperBound
                return String(output[start..<range.upperBound])
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { throw Failure(description: "timed out waiting for \(text.debugDescription); output so far:\n\(output)") }
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(min(remaining, 0.5) * 1000)) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { throw Failure(description: "terminal closed while waiting for \(text.debugDescription); output:\n\(output)") }
                output += String(decoding: buffer[0..<n], as: UTF8.self)
            }
        }
    }

    /// Waits for the program to end; returns its exit status.
    func wait(timeout: Double = 10) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { throw Failure(description: "program did not exit; output:\n\(output)") }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 50) > 0 {
                let n = read(master, &buffer, buffer.count)
                if n > 0 { output += String(decoding: buffer[0..<n], as: UTF8.self) }
            }
        }
        return (status >> 8) & 0xff
    }
}

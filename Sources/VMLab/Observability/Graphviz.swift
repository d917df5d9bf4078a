@preconcurrency import Glibc

/// Renders DOT text (`PageTable.dot()`) as SVG with Graphviz's `dot` program, when Debian's
/// `graphviz` package is installed. The text goes through temporary files, not pipes, so a
/// large graph can never block either side.
public enum Graphviz {
    /// The SVG document for `dot`. Throws `externalProgram` when `dot` is missing or rejects the text.
    public static func svg(fromDOT dot: String) throws(VMError) -> String {
        let input = try temporaryFile(containing: dot)
        let output = try temporaryFile(containing: "")
        defer { unlink(input); unlink(output) }
        let status = run(["dot", "-Tsvg", "-o", output, input])
        guard status != -ENOENT else {
            throw .externalProgram(program: "dot", debianPackage: "graphviz", message: "not installed")
        }
        guard status == 0 else {
            throw .externalProgram(program: "dot", debianPackage: "graphviz", message: "failed with status \(status)")
        }
        return try contents(of: output)
    }

    /// Runs a program found through PATH, standard error silenced; its exit status, or −errno
    /// when it could not start.
    static func run(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard started == 0 else { return -started }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// A new temporary file holding `text`; its path.
    static func temporaryFile(containing text: String) throws(VMError) -> String {
        var template = Array("/tmp/vmlab-graphviz-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw .externalProgram(program: "dot", debianPackage: "graphviz", message: "cannot create a temporary file")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard written else {
            unlink(path)
            throw .externalProgram(program: "dot", debianPackage: "graphviz", message: "cannot write a temporary file")
        }
        return path
    }

    /// The whole content of the file at `path` as text.
    static func contents(of path: String) throws(VMError) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw .externalProgram(program: "dot", debianPackage: "graphviz", message: "produced no output")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

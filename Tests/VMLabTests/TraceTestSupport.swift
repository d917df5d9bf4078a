import Glibc
@testable import VMLab

/// Helpers shared by the trace and workload tests (no Foundation).
enum TraceTestSupport {
    /// `Tests/Fixtures/<name>`, found from this source file's path.
    static func fixture(_ name: String) -> String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)  // VMLabTests/TraceTestSupport.swift
        return parts.joined(separator: "/") + "/Fixtures/" + name
    }

    /// A fresh, empty temporary file path ending in `suffix`.
    static func temporaryPath(_ suffix: String = "") -> String {
        var template = Array("/tmp/vmlab-test-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "mkstemp failed")
        close(fd)
        let base = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if suffix.isEmpty { return base }
        unlink(base)
        return base + suffix
    }

    /// Writes `text` to a new temporary file and returns its path.
    static func write(_ text: String, suffix: String = "") -> String {
        let path = temporaryPath(suffix)
        writeBytes(Array(text.utf8), to: path)
        return path
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) {
        let file = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func readBytes(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 { return result }
            result.append(contentsOf: chunk[..<n])
        }
    }

    /// Runs a shell command; returns its exit status.
    static func shell(_ command: String) -> Int32 {
        system(command)
    }

    /// Resident set size of this process in KiB, from /proc/self/status.
    static func residentKiB() -> Int {
        let text = String(decoding: readBytes("/proc/self/status"), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
        }
        return -1
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Whether `program` is found on PATH.
    static func hasProgram(_ program: String) -> Bool {
        shell("command -v \(program) >/dev/null 2>&1") == 0
    }

    /// (kind, page) pairs for 4 KiB pages.
    static func kindsAndPages(_ accesses: [Access]) -> [String] {
        accesses.map { "\($0.kind) 0x\(String($0.address >> 12, radix: 16))" }
    }

    /// Reads a whole trace with a given batch size.
    static func readAll(_ trace: some Trace, batch: Int) throws -> [Access] {
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: batch)
        defer { buffer.deallocate() }
        var result: [Access] = []
        while true {
            let n = try trace.next(into: buffer)
            if n == 0 { return result }
            result.append(contentsOf: buffer[..<n])
        }
    }
}

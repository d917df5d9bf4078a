@preconcurrency import Glibc

/// The bytes of a trace file, decompressed on the fly if it is gzip, zstd or xz data.
/// Readers put a fixed-size buffer on top; this type never holds more than the OS gives it.
final class FileInput {
    /// The path as the user gave it (used in every error message).
    let path: String
    /// The decompressor in use, if the file is compressed.
    let decompressor: Decompressor?
    /// The size in bytes of an uncompressed regular file, else nil.
    let fileSize: Int?
    private var fd: Int32
    private(set) var process: DecompressorProcess?

    /// Opens `path`; a compressed file (by magic bytes, else by extension) starts its
    /// decompressor.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TraceError.cannotOpen(path: path, reason: errnoText()) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = errnoText()
            Glibc.close(fd)
            throw TraceError.cannotOpen(path: path, reason: reason)
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            Glibc.close(fd)
            throw TraceError.cannotOpen(path: path, reason: "it is a directory, not a file")
        }
        var kind: Decompressor?
        if type == S_IFREG {
            var magic = [UInt8](repeating: 0, count: 6)
            let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 6, 0) }
            if n < 0 {
                let reason = errnoText()
                Glibc.close(fd)
                throw TraceError.cannotOpen(path: path, reason: reason)
            }
            kind = Decompressor.detect(magicBytes: Array(magic[..<n]))
        }
        kind = kind ?? Decompressor.detect(path: path)
        decompressor = kind
        if let kind {
            do {
                process = try DecompressorProcess(kind, inputFD: fd, path: path)
            } catch {
                Glibc.close(fd)
                throw error
            }
            Glibc.close(fd)
            self.fd = -1
            fileSize = nil
        } else {
            self.fd = fd
            fileSize = type == S_IFREG ? Int(info.st_size) : nil
        }
    }

    deinit { close() }

    /// Reads up to `count` bytes; returns 0 at the end (or after `close()`).
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        if let process { return try process.read(into: destination, count: count) }
        guard fd >= 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, destination, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw TraceError.cannotRead(path: path, reason: errnoText())
        }
    }

    /// Reads until `count` bytes or the end; returns how many were read.
    func readFully(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var total = 0
        while total < count {
            let n = try read(into: destination + total, count: count - total)
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Closes the file; stops and reaps a decompressor still running.
    func close() {
        process?.terminate()
        process = nil
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// Reads a Valgrind lackey trace, as written by
/// `valgrind --tool=lackey --trace-mem=yes --log-file=prog.trace prog`.
///
/// Records (hexadecimal address without `0x`, decimal size):
///
/// ```text
/// I  04016b20,3      instruction fetch         → .execute
///  L 1ffefffd38,8    data load                 → .read
///  S 1ffefffd30,8    data store                → .write
///  M 0421c7f0,4      modify (load then store)  → .read then .write of the same bytes
/// ==12345== ...      Valgrind's own messages   → skipped
/// ```
///
/// Blank lines are skipped too; anything else is an error naming the file, the line and what
/// was expected. With a `pageSize` (default 4096), an access whose bytes cross a page boundary
/// becomes one access per page touched; a crossing ` M` gives the reads of every page, then the
/// writes. Pass `pageSize: nil` to keep records whole.
///
/// The parser works on bytes in a 1 MiB buffer (no `String` per line) and reads `.gz`, `.zst`
/// and `.xz` files through their decompressors.
///
/// ```swift
/// let trace = try LackeyTrace(path: "Tests/Fixtures/ls.lackey.gz")
/// let first = try trace.next()      // Access(.execute, address: 0x…, size: …)
/// ```
public final class LackeyTrace: Trace {
    /// The file read.
    public let path: String
    /// The page size accesses are split at, or nil.
    public let pageSize: UInt64?
    private let scanner: LineScanner
    private var splitter: PageSplitter
    private var closed = false

    /// Opens `path` (any compression); throws `TraceError.cannotOpen` if it cannot be read and
    /// `.invalidOption` if `pageSize` is not a power of two.
    public init(path: String, pageSize: UInt64? = 4096) throws {
        self.path = path
        self.pageSize = pageSize
        splitter = try PageSplitter(pageSize: pageSize)
        scanner = LineScanner(input: try FileInput(path: path))
    }

    /// The number of the line last read (from 1), for progress reports.
    public var lineNumber: Int { scanner.lineNumber }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        if closed { return 0 }
        var count = 0
        splitter.drain(into: buffer, count: &count)
        while count < buffer.count {
            guard let line = try scanner.nextLine() else { break }
            try parse(line, into: buffer, count: &count)
        }
        return count
    }

    public func rewind() throws {
        scanner.restart(with: try FileInput(path: path))
        splitter.reset()
        closed = false
    }

    public func close() {
        scanner.input.close()
        closed = true
    }

    @inline(__always)
    private func parse(
        _ line: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<Access>,
        count: inout Int
    ) throws {
        let n = line.count
        if n == 0 || line[0] == UInt8(ascii: "=") { return }
        var i: Int
        var modify = false
        var kind = AccessKind.execute
        if line[0] == UInt8(ascii: "I") {
            i = 1
        } else if line[0] == 32 && n > 1 {
            switch line[1] {
            case UInt8(ascii: "L"): kind = .read
            case UInt8(ascii: "S"): kind = .write
            case UInt8(ascii: "M"): kind = .read; modify = true
            default:
                if TextToken.isSpace(line[1]) && isBlank(line) { return }
                throw error(line, "expected 'I', ' L', ' S' or ' M' at the start of a record, found \(TextToken.quoted(line))")
            }
            i = 2
        } else {
            if TextToken.isSpace(line[0]) && isBlank(line) { return }
            throw error(line, "expected 'I', ' L', ' S' or ' M' at the start of a record, found \(TextToken.quoted(line))")
        }
        let afterKind = i
        while i < n && line[i] == 32 { i += 1 }
        if i == afterKind {
            throw error(line, "expected a space after the access kind, found \(TextToken.quoted(TextToken.slice(line, i, n)))")
        }
        var address: UInt64 = 0
        let addressStart = i
        while i < n, let digit = TextToken.hexValue(line[i]) {
            address = address << 4 | digit
            i += 1
        }
        let digits = i - addressStart
        if digits == 0 || digits > 16 {
            throw error(line, "expected a hexadecimal address (1 to 16 digits), found \(TextToken.quoted(TextToken.slice(line, addressStart, n)))")
        }
        if i >= n || line[i] != UInt8(ascii: ",") {
            throw error(line, "expected ',' after the address, found \(TextToken.quoted(TextToken.slice(line, i, n)))")
        }
        i += 1
        var size: UInt64 = 0
        let sizeStart = i
        while i < n {
            let digit = line[i] &- 48
            if digit >= 10 { break }
            size = size * 10 + UInt64(digit)
            i += 1
            if size > UInt64(UInt32.max) {
                throw error(line, "expected a size below 2^32")
            }
        }
        if i == sizeStart {
            throw error(line, "expected a decimal size after ',', found \(TextToken.quoted(TextToken.slice(line, i, n)))")
        }
        while i < n && TextToken.isSpace(line[i]) { i += 1 }
        if i < n {
            throw error(line, "expected the end of the line after the size, found \(TextToken.quoted(TextToken.slice(line, i, n)))")
        }
        splitter.emit(kind, address: address, size: UInt32(size), into: buffer, count: &count)
        if modify {
            splitter.emit(.write, address: address, size: UInt32(size), into: buffer, count: &count)
        }
    }

    private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy(TextToken.isSpace)
    }

    private func error(_ line: UnsafeBufferPointer<UInt8>, _ expected: String) -> TraceError {
        .malformed(path: path, line: scanner.lineNumber, expected: expected)
    }
}

extension LackeyTrace {
    /// The process id of the running decompressor, if the file is compressed and still open.
    var decompressorProcessID: Int32? { scanner.input.process?.processID }
}

extension LackeyTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "lackey trace '\(path)'" + (pageSize.map { ", split at \($0)-byte pages" } ?? "")
    }
}

import Glibc

/// Reads a trace in the vmlab binary format (`BinaryTraceFormat`), the fastest way to replay:
/// records are read in bulk into a 1 MiB buffer and decoded into the caller's buffer, with no
/// allocation per record.
///
/// ```swift
/// try BinaryTraceWriter.convert(from: LackeyTrace(path: "ls.lackey.gz"), to: "ls.vmtrace")
/// let t = try BinaryTrace(path: "ls.vmtrace")
/// t.recordCount   // from the header, when the writer could record it
/// ```
///
/// Errors: `.cannotOpen` (missing/unreadable), `.wrongMagic`, `.unsupportedVersion`,
/// `.truncated` (partial header or record, fewer records than the header says — detected at
/// open for an uncompressed file, else at the end), `.malformed` for an unknown kind (the
/// "line" is the record number, from 1).
public final class BinaryTrace: Trace {
    /// The file read.
    public let path: String
    /// The number of records, if the header records it.
    public private(set) var recordCount: Int?
    /// The page size the trace was split for, if the header says.
    public private(set) var pageSize: UInt64?
    private var input: FileInput
    private let capacity = 1 << 20
    private let raw: UnsafeMutableRawPointer
    private var start = 0
    private var end = 0
    private var delivered = 0
    private var atEnd = false
    private var closedEarly = false

    /// Opens `path` (compressed or not) and checks its header.
    public init(path: String) throws {
        self.path = path
        input = try FileInput(path: path)
        raw = .allocate(byteCount: capacity, alignment: 16)
        try readHeader()  // if it throws, deinit runs and frees `raw`
    }

    deinit {
        raw.deallocate()
    }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let recordSize = BinaryTraceFormat.recordSize
        var count = 0
        while count < buffer.count && !atEnd {
            if end - start < recordSize {
                try refill()
                continue
            }
            let k = min((end - start) / recordSize, buffer.count - count)
            let base = raw + start
            let out = buffer.baseAddress! + count
            for j in 0..<k {
                let record = base + j &* recordSize
                let address = UInt64(littleEndian: record.loadUnaligned(as: UInt64.self))
                let size = UInt32(littleEndian: record.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
                let kindValue = record.load(fromByteOffset: 12, as: UInt8.self)
                guard let kind = AccessKind(rawValue: kindValue) else {
                    throw TraceError.malformed(
                        path: path, line: delivered + count + j + 1,
                        expected: "record \(delivered + count + j + 1) has kind \(kindValue); expected 0 (read), 1 (write) or 2 (fetch)")
                }
                out[j] = Access(kind, address: address, size: size)
            }
            start += k * recordSize
            count += k
        }
        delivered += count
        if count == 0 && atEnd, let recordCount, delivered < recordCount, !closedEarly {
            throw TraceError.truncated(path: path, detail: "its header says \(recordCount) records but it holds \(delivered)")
        }
        return count
    }

    public func rewind() throws {
        input.close()
        input = try FileInput(path: path)
        start = 0
        end = 0
        delivered = 0
        atEnd = false
        closedEarly = false
        try readHeader()
    }

    public func close() {
        input.close()
        atEnd = true
        closedEarly = true
    }

    private func refill() throws {
        let leftover = end - start
        if leftover > 0 { memmove(raw, raw + start, leftover) }
        start = 0
        end = leftover
        let n = try input.read(into: raw + end, count: capacity - end)
        if n > 0 {
            end += n
            return
        }
        atEnd = true
        input.close()
        if leftover > 0 {
            throw TraceError.truncated(path: path, detail: "it ends \(leftover) bytes into record \(delivered + 1) (records are \(BinaryTraceFormat.recordSize) bytes)")
        }
    }

    private func readHeader() throws {
        let size = BinaryTraceFormat.headerSize
        var header = [UInt8](repeating: 0, count: size)
        let n = try header.withUnsafeMutableBytes { try input.readFully(into: $0.baseAddress!, count: size) }
        guard n >= 8, header[0..<8].elementsEqual(BinaryTraceFormat.magic) else {
            throw TraceError.wrongMagic(path: path)
        }
        func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            header.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        if n >= 10 && field(8, UInt16.self) != BinaryTraceFormat.version {
            throw TraceError.unsupportedVersion(path: path, version: Int(field(8, UInt16.self)))
        }
        guard n == size else {
            throw TraceError.truncated(path: path, detail: "it ends inside the \(size)-byte header")
        }
        let headerSize = Int(field(10, UInt16.self))
        let recordSize = Int(field(12, UInt16.self))
        let flags = field(14, UInt16.self)
        guard headerSize >= size else {
            throw TraceError.cannotRead(path: path, reason: "its header says it is \(headerSize) bytes; version 1 headers are at least \(size)")
        }
        guard recordSize == BinaryTraceFormat.recordSize else {
            throw TraceError.cannotRead(path: path, reason: "its header says records are \(recordSize) bytes; version 1 records are \(BinaryTraceFormat.recordSize)")
        }
        if headerSize > size {
            var skip = [UInt8](repeating: 0, count: headerSize - size)
            let skipped = try skip.withUnsafeMutableBytes { try input.readFully(into: $0.baseAddress!, count: $0.count) }
            if skipped < skip.count {
                throw TraceError.truncated(path: path, detail: "it ends inside the \(headerSize)-byte header")
            }
        }
        if flags & BinaryTraceFormat.recordCountKnown != 0 {
            let count = field(16, UInt64.self)
            guard count <= UInt64(Int.max) / UInt64(BinaryTraceFormat.recordSize) else {
                throw TraceError.cannotRead(path: path, reason: "its header says it holds \(count) records, more than any file can")
            }
            recordCount = Int(count)
        } else {
            recordCount = nil
        }
        let page = field(24, UInt32.self)
        guard page & (page &- 1) == 0 else {
            throw TraceError.cannotRead(path: path, reason: "its header gives a page size of \(page) bytes, not a power of two")
        }
        pageSize = page == 0 ? nil : UInt64(page)
        if let fileSize = input.fileSize {
            let body = fileSize - headerSize
            let whole = body / recordSize
            if body % recordSize != 0 {
                throw TraceError.truncated(path: path, detail: "it ends \(body % recordSize) bytes into record \(whole + 1) (records are \(recordSize) bytes)")
            }
            if let recordCount, whole < recordCount {
                throw TraceError.truncated(path: path, detail: "its header says \(recordCount) records but it holds \(whole)")
            }
        }
    }
}

extension BinaryTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "binary trace '\(path)'" + (recordCount.map { ", \($0) records" } ?? "")
    }
}

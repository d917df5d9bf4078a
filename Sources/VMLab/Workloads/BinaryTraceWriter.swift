import Glibc

/// Writes a trace in the vmlab binary format (`BinaryTraceFormat`) through a 1 MiB buffer.
/// Call `finish()` at the end: it flushes and, if the output can seek, records the record count
/// in the header.
///
/// ```swift
/// let writer = try BinaryTraceWriter(path: "t.vmtrace")
/// try writer.write(Access(.read, address: 0x1000, size: 8))
/// try writer.finish()
/// ```
///
/// To convert a whole trace, use `BinaryTraceWriter.convert(from:to:)`.
public final class BinaryTraceWriter {
    /// The file written.
    public let path: String
    /// Records written so far.
    public private(set) var recordCount = 0
    /// The page size stored in the header (0 if none).
    public let pageSize: UInt32
    private var fd: Int32
    private let capacity = 1 << 20
    private let raw: UnsafeMutableRawPointer
    private var used = 0

    /// Creates (or truncates) `path` and writes the header. `pageSize` (if the records were
    /// split at page boundaries) is only recorded, for information; it must fit in 32 bits.
    public init(path: String, pageSize: UInt64? = nil) throws {
        guard (pageSize ?? 0) <= UInt64(UInt32.max) else {
            throw TraceError.invalidOption(name: "page_size", message: "expected a page size below 4 GiB in a binary trace header")
        }
        self.path = path
        self.pageSize = UInt32(pageSize ?? 0)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceError.cannotWrite(path: path, reason: errnoText()) }
        raw = .allocate(byteCount: capacity, alignment: 16)
        writeHeader(at: raw, countKnown: false)
        used = BinaryTraceFormat.headerSize
    }

    deinit {
        if fd >= 0 { try? finish() }
        raw.deallocate()
    }

    /// Appends accesses.
    public func write(_ accesses: UnsafeBufferPointer<Access>) throws {
        let recordSize = BinaryTraceFormat.recordSize
        var index = 0
        while index < accesses.count {
            if capacity - used < recordSize { try flush() }
            let k = min(accesses.count - index, (capacity - used) / recordSize)
            let base = raw + used
            for j in 0..<k {
                let access = accesses[index + j]
                let record = base + j &* recordSize
                record.storeBytes(of: access.address.littleEndian, as: UInt64.self)
                record.storeBytes(of: access.size.littleEndian, toByteOffset: 8, as: UInt32.self)
                record.storeBytes(of: access.kind.rawValue, toByteOffset: 12, as: UInt8.self)
                record.storeBytes(of: 0, toByteOffset: 13, as: UInt8.self)
                record.storeBytes(of: 0, toByteOffset: 14, as: UInt16.self)
            }
            used += k * recordSize
            index += k
            recordCount += k
        }
    }

    /// Appends one access.
    public func write(_ access: Access) throws {
        var copy = access
        try withUnsafePointer(to: &copy) { try write(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// Flushes, records the count in the header when the file can seek, and closes.
    /// Calling it again does nothing.
    public func finish() throws {
        guard fd >= 0 else { return }
        defer {
            Glibc.close(fd)
            fd = -1
        }
        try flush()
        if lseek(fd, 0, SEEK_SET) == 0 {
            let header = UnsafeMutableRawPointer.allocate(byteCount: BinaryTraceFormat.headerSize, alignment: 8)
            defer { header.deallocate() }
            writeHeader(at: header, countKnown: true)
            try writeAll(header, BinaryTraceFormat.headerSize)
        }
    }

    private func flush() throws {
        try writeAll(raw, used)
        used = 0
    }

    private func writeAll(_ bytes: UnsafeRawPointer, _ count: Int) throws {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError.cannotWrite(path: path, reason: errnoText())
            }
            done += n
        }
    }

    private func writeHeader(at header: UnsafeMutableRawPointer, countKnown: Bool) {
        for (i, byte) in BinaryTraceFormat.magic.enumerated() {
            header.storeBytes(of: byte, toByteOffset: i, as: UInt8.self)
        }
        header.storeBytes(of: BinaryTraceFormat.version.littleEndian, toByteOffset: 8, as: UInt16.self)
        header.storeBytes(of: UInt16(BinaryTraceFormat.headerSize).littleEndian, toByteOffset: 10, as: UInt16.self)
        header.storeBytes(of: UInt16(BinaryTraceFormat.recordSize).littleEndian, toByteOffset: 12, as: UInt16.self)
        let flags = countKnown ? BinaryTraceFormat.recordCountKnown : 0
        header.storeBytes(of: flags.littleEndian, toByteOffset: 14, as: UInt16.self)
        header.storeBytes(of: UInt64(countKnown ? recordCount : 0).littleEndian, toByteOffset: 16, as: UInt64.self)
        header.storeBytes(of: pageSize.littleEndian, toByteOffset: 24, as: UInt32.self)
        header.storeBytes(of: UInt32(0), toByteOffset: 28, as: UInt32.self)
    }
}

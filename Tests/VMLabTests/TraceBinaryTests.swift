import Glibc
import Testing
@testable import VMLab

@Suite("Binary traces")
struct TraceBinaryTests {
    @Test("text → binary → read back gives identical records and header facts")
    func roundTrip() throws {
        let source = TraceTestSupport.fixture("ls.lackey.gz")
        let output = TraceTestSupport.temporaryPath(".vmtrace")
        defer { unlink(output) }
        let written = try BinaryTraceWriter.convert(input: source, output: output)
        let text = try LackeyTrace(path: source).collect()
        #expect(written == text.count)
        let binary = try BinaryTrace(path: output)
        #expect(binary.recordCount == text.count)
        #expect(binary.pageSize == 4096)
        #expect(try binary.collect() == text)
        #expect(try TraceFormat.detect(path: output) == .binary)
        #expect(TraceTestSupport.readBytes(output).count == 32 + 16 * text.count)
        try binary.rewind()
        #expect(try TraceInfo(measuring: binary) == TraceInfo(measuring: LackeyTrace(path: source)))
    }

    @Test("the header is laid out as documented")
    func headerLayout() throws {
        let output = TraceTestSupport.temporaryPath(".vmtrace")
        defer { unlink(output) }
        let writer = try BinaryTraceWriter(path: output, pageSize: 4096)
        try writer.write(Access(.write, address: 0x1122_3344_5566_7788, size: 8))
        try writer.finish()
        let bytes = TraceTestSupport.readBytes(output)
        #expect(bytes.count == 48)
        #expect(Array(bytes[0..<8]) == Array("VMTRACE".utf8) + [0])
        #expect(Array(bytes[8..<16]) == [1, 0, 32, 0, 16, 0, 1, 0])       // version, header, record, flags
        #expect(Array(bytes[16..<24]) == [1, 0, 0, 0, 0, 0, 0, 0])       // record count
        #expect(Array(bytes[24..<32]) == [0, 0x10, 0, 0, 0, 0, 0, 0])    // page size, reserved
        #expect(Array(bytes[32..<48]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 8, 0, 0, 0, 1, 0, 0, 0])
    }

    @Test("truncated file, wrong magic, unsupported version and bad kind are clear errors")
    func badFiles() throws {
        let path = TraceTestSupport.temporaryPath(".vmtrace")
        defer { unlink(path) }
        try BinaryTraceWriter.convert(from: ArrayTrace(pages: [1, 2, 3]), to: path)
        var bytes = TraceTestSupport.readBytes(path)
        #expect(bytes.count == 32 + 48)

        TraceTestSupport.writeBytes(Array(bytes.dropLast(5)), to: path)
        let e1 = #expect(throws: TraceError.self) { try BinaryTrace(path: path) }
        #expect(e1?.description.contains("is truncated: it ends 11 bytes into record 3") == true)

        TraceTestSupport.writeBytes(Array(bytes.dropLast(16)), to: path)
        let e2 = #expect(throws: TraceError.self) { try BinaryTrace(path: path) }
        #expect(e2 == .truncated(path: path, detail: "its header says 3 records but it holds 2"))

        TraceTestSupport.writeBytes(Array(bytes.prefix(20)), to: path)
        let e3 = #expect(throws: TraceError.self) { try BinaryTrace(path: path) }
        #expect(e3 == .truncated(path: path, detail: "it ends inside the 32-byte header"))

        TraceTestSupport.writeBytes(Array("1 2 3\n".utf8), to: path)
        #expect(throws: TraceError.wrongMagic(path: path)) { try BinaryTrace(path: path) }

        var future = bytes
        future[8] = 2
        TraceTestSupport.writeBytes(future, to: path)
        #expect(throws: TraceError.unsupportedVersion(path: path, version: 2)) { try BinaryTrace(path: path) }

        var huge = bytes
        huge[23] = 0x80   // record count 2^63 + 3: found by the trace fuzzer, it used to trap
        TraceTestSupport.writeBytes(huge, to: path)
        let e5 = #expect(throws: TraceError.self) { try BinaryTrace(path: path) }
        #expect(e5?.description.contains("more than any file can") == true)

        var oddPage = bytes
        oddPage[24] = 3   // page size 4096 + 3
        TraceTestSupport.writeBytes(oddPage, to: path)
        #expect(throws: TraceError.self) { try BinaryTrace(path: path) }

        bytes[32 + 16 + 12] = 9  // kind of record 2
        TraceTestSupport.writeBytes(bytes, to: path)
        let e4 = #expect(throws: TraceError.self) { try BinaryTrace(path: path).collect() }
        #expect(e4?.description.contains(":2: record 2 has kind 9") == true)
    }

    @Test("a compressed binary trace short of its header's count is truncated")
    func compressedTruncated() throws {
        guard TraceTestSupport.hasProgram("gzip") else { return }
        let path = TraceTestSupport.temporaryPath(".vmtrace")
        defer { unlink(path); unlink(path + ".gz") }
        try BinaryTraceWriter.convert(from: ArrayTrace(pages: Array(0..<100)), to: path)
        let bytes = TraceTestSupport.readBytes(path)
        TraceTestSupport.writeBytes(Array(bytes.dropLast(32)), to: path)
        #expect(TraceTestSupport.shell("gzip -c '\(path)' > '\(path).gz'") == 0)
        let trace = try BinaryTrace(path: path + ".gz")
        let error = #expect(throws: TraceError.self) { try trace.collect() }
        #expect(error == .truncated(path: path + ".gz", detail: "its header says 100 records but it holds 98"))
    }

    @Test("streaming a 10-million-record binary trace keeps memory flat")
    func streamingMemory() throws {
        let path = TraceTestSupport.temporaryPath(".vmtrace")
        defer { unlink(path) }
        let records = 10_000_000
        let generator = try GeneratedTrace(.uniform, pages: 1 << 20, count: records, seed: 7, writeFraction: 0.25)
        var start = TraceTestSupport.now()
        try BinaryTraceWriter.convert(from: generator, to: path)
        let writeSeconds = TraceTestSupport.now() - start

        let before = TraceTestSupport.residentKiB()
        let trace = try BinaryTrace(path: path)
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        var count = 0
        var writes = 0
        var addressSum: UInt64 = 0
        start = TraceTestSupport.now()
        while true {
            let n = try trace.next(into: buffer)
            if n == 0 { break }
            for i in 0..<n {
                addressSum &+= buffer[i].address
                if buffer[i].kind == .write { writes += 1 }
            }
            count += n
        }
        let readSeconds = TraceTestSupport.now() - start
        let after = TraceTestSupport.residentKiB()
        #expect(count == records)
        #expect(abs(Double(writes) / Double(records) - 0.25) < 0.01)
        // The file is 160 MB; a reader keeping records would grow by that much.
        #expect(after - before < 32 * 1024, "RSS grew from \(before) KiB to \(after) KiB")
        print("binary trace: wrote \(records) records at \(Int(Double(records) / writeSeconds / 1e6)) M/s, "
              + "read at \(Int(Double(records) / readSeconds / 1e6)) M/s; RSS \(before) → \(after) KiB")
    }
}

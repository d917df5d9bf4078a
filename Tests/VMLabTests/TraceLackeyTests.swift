import Glibc
import Testing
@testable import VMLab

@Suite("Lackey traces")
struct TraceLackeyTests {
    static let snippet = """
        ==4242== Lackey, an example Valgrind tool
        ==4242== Command: ./demo
        I  04016b20,3
         L 1ffefffd38,8
         S 00000ffe,4
         M 0421c7f0,4
        I  00400ffc,8

         M 00001ffe,4
        ==4242== Exit code: 0
        """

    @Test("a known snippet gives the exact (kind, page) sequence, with page splits and M")
    func knownSnippet() throws {
        let path = TraceTestSupport.write(Self.snippet)
        defer { unlink(path) }
        let accesses = try LackeyTrace(path: path).collect()
        #expect(accesses == [
            Access(.execute, address: 0x0401_6b20, size: 3),
            Access(.read, address: 0x1f_feff_fd38, size: 8),
            Access(.write, address: 0xffe, size: 2),    // S crossing 0x1000: two pages
            Access(.write, address: 0x1000, size: 2),
            Access(.read, address: 0x0421_c7f0, size: 4),  // M = read then write
            Access(.write, address: 0x0421_c7f0, size: 4),
            Access(.execute, address: 0x0040_0ffc, size: 4),
            Access(.execute, address: 0x0040_1000, size: 4),
            Access(.read, address: 0x1ffe, size: 2),     // crossing M: reads, then writes
            Access(.read, address: 0x2000, size: 2),
            Access(.write, address: 0x1ffe, size: 2),
            Access(.write, address: 0x2000, size: 2),
        ])
        #expect(TraceTestSupport.kindsAndPages(accesses).prefix(4) == [
            "execute 0x4016", "read 0x1ffefff", "write 0x0", "write 0x1",
        ])
    }

    @Test("without a page size records stay whole; batch size never changes the sequence")
    func noSplitAndBatchSizes() throws {
        let path = TraceTestSupport.write(Self.snippet)
        defer { unlink(path) }
        let whole = try LackeyTrace(path: path, pageSize: nil).collect()
        #expect(whole.count == 8)
        #expect(whole[2] == Access(.write, address: 0xffe, size: 4))
        let reference = try LackeyTrace(path: path).collect()
        for batch in [1, 2, 3, 5] {
            #expect(try TraceTestSupport.readAll(LackeyTrace(path: path), batch: batch) == reference)
        }
        var oneByOne: [Access] = []
        let trace = try LackeyTrace(path: path)
        while let access = try trace.next() { oneByOne.append(access) }
        #expect(oneByOne == reference)
        try trace.rewind()
        #expect(try trace.collect() == reference)
    }

    @Test("malformed lines name the file, the line number and what was expected",
          arguments: [
            ("I  04016b20,3\n L zz12,8\n", 2, "hexadecimal address"),
            ("I  04016b20,3\nI  04016b23,3\n Q 1000,8\n", 3, "expected 'I', ' L', ' S' or ' M'"),
            (" L 1000;8\n", 1, "expected ','"),
            (" S 1000,\n", 1, "decimal size"),
            ("==1== x\n L 1000,8 junk\n", 2, "end of the line"),
            ("hello\n", 1, "at the start of a record"),
            (" L 12345678901234567,8\n", 1, "1 to 16 digits"),
          ])
    func malformed(text: String, line: Int, expected: String) throws {
        let path = TraceTestSupport.write(text)
        defer { unlink(path) }
        let error = #expect(throws: TraceError.self) { try LackeyTrace(path: path).collect() }
        guard case let .malformed(errorPath, errorLine, message) = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(errorLine == line)
        #expect(message.contains(expected), "\(message)")
        #expect(error!.description.hasPrefix("\(path):\(line): "))
    }

    @Test("a missing file, a directory and a bad page size are clear errors")
    func openErrors() throws {
        let missing = #expect(throws: TraceError.self) { try LackeyTrace(path: "/nonexistent/ls.trace") }
        #expect(missing == .cannotOpen(path: "/nonexistent/ls.trace", reason: "No such file or directory"))
        #expect(missing?.description == "cannot open '/nonexistent/ls.trace': No such file or directory")
        let directory = #expect(throws: TraceError.self) { try LackeyTrace(path: "/tmp") }
        #expect(directory?.description.contains("directory") == true)
        let path = TraceTestSupport.write(Self.snippet)
        defer { unlink(path) }
        #expect(throws: TraceError.self) { try LackeyTrace(path: path, pageSize: 3000) }
    }

    @Test("the real fixtures parse and give exactly the counts of their README",
          arguments: [
            ("ls.lackey.gz", 152_692, 33_966, 11_858, 1_479),
            ("sh.lackey.xz", 151_611, 34_439, 12_498, 1_447),
            ("python.lackey.zst", 226_576, 53_331, 17_975, 2_113),
          ])
    func fixtures(name: String, fetches: Int, loads: Int, stores: Int, modifies: Int) throws {
        let path = TraceTestSupport.fixture(name)
        let whole = try TraceInfo(measuring: LackeyTrace(path: path, pageSize: nil))
        #expect(whole.fetches == fetches)
        #expect(whole.reads == loads + modifies)
        #expect(whole.writes == stores + modifies)
        #expect(whole.records == fetches + loads + stores + 2 * modifies)
        #expect(whole.distinctPages > 10 && whole.distinctPages < 10_000)
        let split = try TraceInfo(measuring: LackeyTrace(path: path, pageSize: 4096))
        #expect(split.records >= whole.records)
        #expect(split.distinctPages >= whole.distinctPages)
        #expect(split.footprint == UInt64(split.distinctPages) * 4096)
        #expect(try TraceFormat.detect(path: path) == .lackey)
    }

    @Test("a fresh trace of a real program made with valgrind parses and agrees with its own lines")
    func freshValgrindTrace() throws {
        guard TraceTestSupport.hasProgram("valgrind") else {
            print("skipped: valgrind is not installed (apt-get install valgrind) — no fresh lackey trace made")
            return
        }
        let path = TraceTestSupport.temporaryPath(".lackey")
        defer { unlink(path) }
        // The trace goes to fd 3 (the file); the program's own output is thrown away.
        let status = system("valgrind --tool=lackey --trace-mem=yes --log-fd=3 /bin/echo vmlab 3>'\(path)' 1>/dev/null 2>/dev/null")
        #expect(status == 0, "valgrind failed with status \(status)")
        // Count the record lines by kind with plain string work: the reference for the reader.
        var counts = (fetch: 0, load: 0, store: 0, modify: 0)
        let file = fopen(path, "r")
        defer { if file != nil { fclose(file) } }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
            if text.hasPrefix("I  ") { counts.fetch += 1 }
            else if text.hasPrefix(" L ") { counts.load += 1 }
            else if text.hasPrefix(" S ") { counts.store += 1 }
            else if text.hasPrefix(" M ") { counts.modify += 1 }
        }
        free(line)
        let info = try TraceInfo(measuring: LackeyTrace(path: path, pageSize: nil))
        #expect(counts.fetch > 10_000, "a real program runs many instructions")
        #expect(info.fetches == counts.fetch && info.reads == counts.load + counts.modify
                && info.writes == counts.store + counts.modify)
    }

    @Test("a compressed fixture reads the same records as its decompressed form",
          arguments: [("ls.lackey.gz", "gzip"), ("sh.lackey.xz", "xz"), ("python.lackey.zst", "zstd")])
    func compressedEqualsPlain(name: String, program: String) throws {
        guard TraceTestSupport.hasProgram(program) else {
            print("skipped: '\(program)' is not installed")
            return
        }
        let fixture = TraceTestSupport.fixture(name)
        let plain = TraceTestSupport.temporaryPath(".lackey")
        defer { unlink(plain) }
        #expect(TraceTestSupport.shell("\(program) -dc '\(fixture)' > '\(plain)'") == 0)
        let fromPlain = try LackeyTrace(path: plain).collect()
        let fromCompressed = try LackeyTrace(path: fixture).collect()
        #expect(fromPlain.count > 200_000)
        #expect(fromPlain == fromCompressed)
        let start = TraceTestSupport.now()
        let count = try LackeyTrace(path: plain).forEach { _ in }
        print("lackey \(name) (debug build): \(Int(Double(count) / (TraceTestSupport.now() - start) / 1e3)) k records/s")
    }

    @Test("closing a compressed trace early stops and reaps its decompressor")
    func earlyCloseReapsChild() throws {
        let trace = try LackeyTrace(path: TraceTestSupport.fixture("python.lackey.zst"))
        let first = try trace.collect(limit: 10)
        #expect(first.count == 10)
        let process = try #require(trace.decompressorProcessID)
        #expect(kill(process, 0) == 0)  // running (or at least not yet reaped)
        trace.close()
        #expect(kill(process, 0) == -1 && errno == ESRCH)  // gone: killed and reaped
        #expect(try trace.next() == nil)
        try trace.rewind()
        #expect(try trace.collect(limit: 10) == first)
    }

    @Test("corrupt compressed data is reported with the decompressor's message")
    func corruptCompressed() throws {
        let path = TraceTestSupport.temporaryPath(".gz")
        defer { unlink(path) }
        TraceTestSupport.writeBytes([0x1F, 0x8B, 8, 0] + Array(repeating: 0x55, count: 100), to: path)
        let error = #expect(throws: TraceError.self) { try LackeyTrace(path: path).collect() }
        guard case let .decompressorFailed(errorPath, program, message)? = error else {
            Issue.record("expected .decompressorFailed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(program == "gzip")
        #expect(!message.isEmpty)
    }

    @Test("a missing decompressor program is an error naming its Debian package")
    func missingDecompressor() throws {
        let path = TraceTestSupport.fixture("python.lackey.zst")
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        let error = #expect(throws: TraceError.self) {
            try DecompressorProcess(.zstd, inputFD: fd, path: path, program: "vmlab-test-no-such-zstd")
        }
        #expect(error == .missingDecompressor(path: path, program: "vmlab-test-no-such-zstd", debianPackage: "zstd"))
        #expect(error?.description.contains("install the Debian package 'zstd'") == true)
    }

    @Test("decompressors name their Debian packages")
    func debianPackages() {
        #expect(Decompressor.gzip.debianPackage == "gzip")
        #expect(Decompressor.zstd.debianPackage == "zstd")
        #expect(Decompressor.xz.debianPackage == "xz-utils")
        let error = TraceError.missingDecompressor(path: "t.zst", program: "zstd", debianPackage: "zstd")
        #expect(error.description == "cannot read 't.zst': the 'zstd' program was not found (install the Debian package 'zstd')")
    }
}

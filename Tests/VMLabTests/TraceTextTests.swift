import Glibc
import Testing
@testable import VMLab

@Suite("Page lists, CSV and in-memory traces")
struct TraceTextTests {
    @Test("the Belady fixture gives its reference string as pages")
    func beladyFixture() throws {
        let path = TraceTestSupport.fixture("belady.pages")
        let pages = try ListTrace(path: path).collect().map { $0.address / 4096 }
        #expect(pages == [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5])
        #expect(try TraceFormat.detect(path: path) == .list)
    }

    @Test("page lists: kinds before or after, hex, comments, CRLF, addresses")
    func listSyntax() throws {
        let path = TraceTestSupport.write("# header\n7\r\n0x10 W\nr 3\n\n  w 0X2 # store\n5, 6\nI 9\n")
        defer { unlink(path) }
        let pages = try ListTrace(path: path).collect()
        #expect(pages.map(\.kind) == [.read, .write, .read, .write, .read, .read, .execute])
        #expect(pages.map { $0.address / 4096 } == [7, 16, 3, 2, 5, 6, 9])
        let addresses = try ListTrace(path: path, numbers: .addresses).collect()
        #expect(addresses.map(\.address) == [7, 16, 3, 2, 5, 6, 9])
        let bigPages = try ListTrace(path: path, numbers: .pageNumbers(pageSize: 8192)).collect()
        #expect(bigPages[1].address == 16 * 8192)
    }

    @Test("page list errors name the line", arguments: [
        ("1\n2\nx3\n", 3, "page number or address"),
        ("1\nR W 2\n", 2, "at most one kind"),
        ("R 1 2\n", 1, "exactly one number"),
        ("99999999999999999999999\n", 1, "page number or address"),
        ("1\n0xFFFFFFFFFFFFFFFF\n", 2, "beyond the 64-bit"),
    ])
    func listErrors(text: String, line: Int, expected: String) throws {
        let path = TraceTestSupport.write(text)
        defer { unlink(path) }
        let error = #expect(throws: TraceError.self) { try ListTrace(path: path).collect() }
        guard case let .malformed(_, errorLine, message)? = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(errorLine == line)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("CSV: named columns, quotes, M, sizes and page splitting")
    func csv() throws {
        let path = TraceTestSupport.fixture("small.csv")
        let accesses = try CSVTrace(path: path, sizeColumn: "size").collect()
        #expect(accesses == [
            Access(.read, address: 0x1000, size: 8),
            Access(.write, address: 0x1ff8, size: 16),
            Access(.execute, address: 4096, size: 4),
            Access(.read, address: 0x3000, size: 4),
            Access(.write, address: 0x3000, size: 4),
        ])
        let split = try CSVTrace(path: path, sizeColumn: "size", pageSize: 4096).collect()
        #expect(split[1] == Access(.write, address: 0x1ff8, size: 8))
        #expect(split[2] == Access(.write, address: 0x2000, size: 8))
        #expect(try TraceFormat.detect(path: path) == .csv)

        let bom = TraceTestSupport.write("\u{FEFF}address\n0x42\n")
        defer { unlink(bom) }
        #expect(try CSVTrace(path: bom).collect() == [Access(.read, address: 0x42, size: 0)])

        let other = TraceTestSupport.write("Kind ; \"VA\"\nstore;0x10\n\"load\";0x20\n\n", suffix: ".csv")
        defer { unlink(other) }
        let custom = try CSVTrace(path: other, addressColumn: "va", kindColumn: "kind", separator: ";").collect()
        #expect(custom == [Access(.write, address: 0x10, size: 0), Access(.read, address: 0x20, size: 0)])
    }

    @Test("CSV errors: missing column, bad number, bad kind, unterminated quote")
    func csvErrors() throws {
        let noColumn = TraceTestSupport.write("op,addr\nR,1\n")
        defer { unlink(noColumn) }
        let e1 = #expect(throws: TraceError.self) { try CSVTrace(path: noColumn) }
        #expect(e1?.description.contains(":1: expected a column named 'address'") == true)
        let bad = TraceTestSupport.write("op,address\nR,1\nR,zz\n")
        defer { unlink(bad) }
        let e2 = #expect(throws: TraceError.self) { try CSVTrace(path: bad).collect() }
        #expect(e2?.description.contains(":3: expected a number") == true)
        let badKind = TraceTestSupport.write("op,address\nQ,1\n")
        defer { unlink(badKind) }
        let e3 = #expect(throws: TraceError.self) { try CSVTrace(path: badKind).collect() }
        #expect(e3?.description.contains(":2: expected a kind") == true)
        let quote = TraceTestSupport.write("op,address\n\"R,1\n")
        defer { unlink(quote) }
        let e4 = #expect(throws: TraceError.self) { try CSVTrace(path: quote).collect() }
        #expect(e4?.description.contains(":2: expected a closing") == true)
    }

    @Test("in-memory traces: page numbers and (kind, address) pairs")
    func arrays() throws {
        let trace = try ArrayTrace(pages: [1, 2, 3, 4, 1, 2, 5])
        #expect(try trace.collect().map { $0.address >> 12 } == [1, 2, 3, 4, 1, 2, 5])
        #expect(try trace.next() == nil)
        try trace.rewind()
        #expect(try TraceTestSupport.readAll(trace, batch: 3).count == 7)
        let pairs = try ArrayTrace(pairs: [(.write, 0x1000), (.execute, 0x2000)])
        #expect(try pairs.collect() == [Access(.write, address: 0x1000, size: 0), Access(.execute, address: 0x2000, size: 0)])
        #expect(throws: TraceError.self) { try ArrayTrace(pages: [UInt64.max]) }
        #expect(throws: TraceError.self) { try ArrayTrace(pages: [1], pageSize: 0) }
    }

    @Test("traces describe themselves in one line")
    func descriptions() throws {
        #expect(try ArrayTrace(pages: [1, 2]).description == "list of 2 accesses")
        let generator = try GeneratedTrace(.zipf(alpha: 1), pages: 10, count: 5, seed: 3, writeFraction: 0.5)
        #expect(generator.description == "zipf generator: 5 accesses over 10 pages, seed 3, 0.5 writes")
        let lackey = try LackeyTrace(path: TraceTestSupport.fixture("ls.lackey.gz"))
        #expect(lackey.description.hasSuffix("ls.lackey.gz', split at 4096-byte pages"))
        #expect(Access(.write, address: 0x1000, size: 8).description == "write 0x1000 (8 bytes)")
    }

    @Test("trace info counts kinds, distinct pages and footprint")
    func info() throws {
        let trace = try ArrayTrace(pairs: [(.read, 0x1000), (.write, 0x1008), (.execute, 0x5000), (.read, 0x1000)])
        let info = try TraceInfo(measuring: trace)
        #expect(info.records == 4 && info.reads == 2 && info.writes == 1 && info.fetches == 1)
        #expect(info.distinctPages == 2)
        #expect(info.footprint == 8192)
        #expect(info.lowestAddress == 0x1000 && info.highestAddress == 0x5000)
        var set = PageSet()
        for page in 0..<UInt64(100_000) { set.insert(page * 7) }
        set.insert(UInt64.max)
        set.insert(0)
        #expect(set.count == 100_001)
        #expect(set.contains(7 * 99_999) && !set.contains(8) && set.contains(.max))
    }
}

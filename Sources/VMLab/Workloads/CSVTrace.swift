/// Reads a CSV file whose first line is a header naming the columns.
///
/// ```text
/// time,op,address,size
/// 0,R,0x7ffd12345678,8
/// 1,"W",140726908688000,4
/// ```
///
/// You name the address column (default `address`) and, optionally, the kind column (default:
/// `op` if the header has one, else every access is a read) and a size column. Column names are
/// matched ignoring case and surrounding spaces and quotes. Kinds are `R`/`W`/`I`, `L`/`S`,
/// `read`/`write`/`fetch`, `load`/`store` in any case, or `M`/`modify` (a read then a write).
/// Numbers are decimal or `0x` hexadecimal, addresses or page numbers (`numbers:`). Fields may be
/// quoted (`"…"`, with `""` for a quote) but may not contain a line break. Blank lines and a
/// UTF-8 byte-order mark are skipped.
///
/// ```swift
/// let t = try CSVTrace(path: "run.csv", addressColumn: "va", kindColumn: "type")
/// ```
public final class CSVTrace: Trace {
    /// The file read.
    public let path: String
    /// What the address column's numbers mean.
    public let numbers: TraceNumbers
    private let addressColumnName: String
    private let kindColumnName: String?
    private let sizeColumnName: String?
    private let separator: UInt8
    private let scanner: LineScanner
    private var splitter: PageSplitter
    private var addressIndex = 0
    private var kindIndex: Int?
    private var sizeIndex: Int?
    private var fieldStarts: [Int] = []
    private var fieldEnds: [Int] = []
    private var closed = false

    /// Opens `path` (any compression) and reads its header. Throws `.malformed` (line 1) if a
    /// named column is missing, `.invalidOption` if `separator` is not one ASCII character.
    /// With `pageSize` set, accesses that have a size and cross a page boundary are split.
    public init(
        path: String, addressColumn: String = "address", kindColumn: String? = nil,
        sizeColumn: String? = nil, numbers: TraceNumbers = .addresses, separator: Character = ",",
        pageSize: UInt64? = nil
    ) throws {
        try numbers.validate()
        guard let separatorByte = separator.asciiValue, separator != "\"" else {
            throw TraceError.invalidOption(name: "separator", message: "expected one ASCII character other than '\"'")
        }
        self.path = path
        self.numbers = numbers
        addressColumnName = addressColumn
        kindColumnName = kindColumn
        sizeColumnName = sizeColumn
        self.separator = separatorByte
        splitter = try PageSplitter(pageSize: pageSize)
        scanner = LineScanner(input: try FileInput(path: path))
        try readHeader()
    }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        if closed { return 0 }
        var count = 0
        splitter.drain(into: buffer, count: &count)
        while count < buffer.count {
            guard let line = try scanner.nextLine() else { break }
            if line.allSatisfy(TextToken.isSpace) { continue }
            try splitFields(line)
            try parseRecord(line, into: buffer, count: &count)
        }
        return count
    }

    public func rewind() throws {
        scanner.restart(with: try FileInput(path: path))
        splitter.reset()
        closed = false
        try readHeader()
    }

    public func close() {
        scanner.input.close()
        closed = true
    }

    private func readHeader() throws {
        guard var line = try scanner.nextLine() else {
            throw TraceError.malformed(path: path, line: 1, expected: "expected a header line naming the columns, found an empty file")
        }
        if line.starts(with: [0xEF, 0xBB, 0xBF]) {  // a UTF-8 byte-order mark, as spreadsheets write
            line = TextToken.slice(line, 3, line.count)
        }
        try splitFields(line)
        var names: [String] = []
        for i in fieldStarts.indices {
            var name = String(decoding: TextToken.slice(line, fieldStarts[i], fieldEnds[i]), as: UTF8.self)
            name = String(name.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            names.append(name.lowercased())
        }
        func find(_ wanted: String) -> Int? { names.firstIndex(of: wanted.lowercased()) }
        let shown = names.joined(separator: ", ")
        guard let address = find(addressColumnName) else {
            throw TraceError.malformed(path: path, line: 1, expected: "expected a column named '\(addressColumnName)' in the header (columns: \(shown))")
        }
        addressIndex = address
        if let kindColumnName {
            guard let kind = find(kindColumnName) else {
                throw TraceError.malformed(path: path, line: 1, expected: "expected a column named '\(kindColumnName)' in the header (columns: \(shown))")
            }
            kindIndex = kind
        } else {
            kindIndex = find("op")
        }
        if let sizeColumnName {
            guard let size = find(sizeColumnName) else {
                throw TraceError.malformed(path: path, line: 1, expected: "expected a column named '\(sizeColumnName)' in the header (columns: \(shown))")
            }
            sizeIndex = size
        }
    }

    /// Fills `fieldStarts`/`fieldEnds` with the content range of each field (inside quotes).
    private func splitFields(_ line: UnsafeBufferPointer<UInt8>) throws {
        fieldStarts.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        let n = line.count
        var i = 0
        while true {
            while i < n && TextToken.isSpace(line[i]) && line[i] != separator { i += 1 }
            if i < n && line[i] == UInt8(ascii: "\"") {
                let start = i + 1
                i += 1
                while true {
                    if i >= n {
                        throw error("expected a closing '\"' (quoted fields may not span lines)")
                    }
                    if line[i] == UInt8(ascii: "\"") {
                        if i + 1 < n && line[i + 1] == UInt8(ascii: "\"") { i += 2; continue }
                        break
                    }
                    i += 1
                }
                fieldStarts.append(start)
                fieldEnds.append(i)
                i += 1
                while i < n && TextToken.isSpace(line[i]) && line[i] != separator { i += 1 }
                if i < n && line[i] != separator {
                    throw error("expected '\(Character(UnicodeScalar(separator)))' after a quoted field, found \(TextToken.quoted(TextToken.slice(line, i, n)))")
                }
            } else {
                let start = i
                while i < n && line[i] != separator { i += 1 }
                var end = i
                while end > start && TextToken.isSpace(line[end - 1]) { end -= 1 }
                fieldStarts.append(start)
                fieldEnds.append(end)
            }
            if i >= n { return }
            i += 1  // the separator
        }
    }

    private func field(_ line: UnsafeBufferPointer<UInt8>, _ index: Int) -> UnsafeBufferPointer<UInt8> {
        TextToken.slice(line, fieldStarts[index], fieldEnds[index])
    }

    private func parseRecord(
        _ line: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<Access>,
        count: inout Int
    ) throws {
        let needed = max(addressIndex, kindIndex ?? 0, sizeIndex ?? 0) + 1
        if fieldStarts.count < needed {
            throw error("expected at least \(needed) fields, found \(fieldStarts.count)")
        }
        let addressText = field(line, addressIndex)
        guard let number = TextToken.number(addressText) else {
            throw error("expected a number (decimal, or hexadecimal with 0x) in column '\(addressColumnName)', found \(TextToken.quoted(addressText))")
        }
        guard let address = numbers.address(of: number) else {
            throw error("page number \(number) is beyond the 64-bit address space")
        }
        var kind = AccessKind.read
        var modify = false
        if let kindIndex {
            let text = field(line, kindIndex)
            if text.count == 1, let letterKind = AccessKind(letter: text[0]) {
                kind = letterKind
            } else if text.count == 1 && text[0] | 0x20 == UInt8(ascii: "m") {
                modify = true
            } else {
                let name = String(decoding: text, as: UTF8.self)
                if let named = AccessKind(name: name) {
                    kind = named
                } else if name.lowercased() == "modify" {
                    modify = true
                } else {
                    throw error("expected a kind (R, W, I, M, read, write, fetch, modify) in column '\(kindColumnName ?? "op")', found \(TextToken.quoted(text))")
                }
            }
        }
        var size: UInt32 = 0
        if let sizeIndex {
            let text = field(line, sizeIndex)
            guard let value = TextToken.number(text), value <= UInt64(UInt32.max) else {
                throw error("expected a size below 2^32 in column '\(sizeColumnName ?? "")', found \(TextToken.quoted(text))")
            }
            size = UInt32(value)
        }
        splitter.emit(kind, address: address, size: size, into: buffer, count: &count)
        if modify {
            splitter.emit(.write, address: address, size: size, into: buffer, count: &count)
        }
    }

    private func error(_ expected: String) -> TraceError {
        .malformed(path: path, line: scanner.lineNumber, expected: expected)
    }
}

extension CSVTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "CSV trace '\(path)' (address column '\(addressColumnName)')"
    }
}

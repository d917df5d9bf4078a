/// The trace file formats vmlab reads, and detection of a file's format.
///
/// ```swift
/// let format = try TraceFormat.detect(path: "ls.lackey.gz")   // .lackey
/// let trace = try format.open(path: "ls.lackey.gz")
/// ```
public enum TraceFormat: String, Sendable, CaseIterable {
    /// Valgrind lackey output (`LackeyTrace`).
    case lackey
    /// Page numbers, one per line (`ListTrace`, numbers as page numbers).
    case list
    /// CSV with a header (`CSVTrace`, default columns).
    case csv
    /// The vmlab binary format (`BinaryTrace`).
    case binary

    /// Decides from the file's content (decompressed if needed) and name: the binary magic ⇒
    /// `.binary`; a name ending in `.csv` (before any compression extension) ⇒ `.csv`; a first
    /// non-blank line that starts with `==`, `I `, ` L `, ` S ` or ` M ` ⇒ `.lackey`; else `.list`.
    public static func detect(path: String) throws -> TraceFormat {
        let input = try FileInput(path: path)
        defer { input.close() }
        var head = [UInt8](repeating: 0, count: 4096)
        let n = try head.withUnsafeMutableBytes { try input.readFully(into: $0.baseAddress!, count: $0.count) }
        head.removeSubrange(n...)
        if head.starts(with: BinaryTraceFormat.magic) { return .binary }
        var name = path
        if let kind = Decompressor.detect(path: name) { name.removeLast(kind.fileExtension.count) }
        if name.lowercased().hasSuffix(".csv") { return .csv }
        for line in head.split(separator: 10) {
            let text = Array(line)
            if text.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            if text.starts(with: Array("==".utf8)) || text.starts(with: Array("I ".utf8)) { return .lackey }
            if text.count >= 3 && text[0] == 32 && text[2] == 32
                && [UInt8(ascii: "L"), UInt8(ascii: "S"), UInt8(ascii: "M")].contains(text[1]) {
                return .lackey
            }
            return .list
        }
        return .list
    }

    /// Opens `path` with this format's reader and default options; `pageSize` is the split size
    /// for lackey traces (ignored by the others).
    public func open(path: String, pageSize: UInt64? = 4096) throws -> any Trace {
        switch self {
        case .lackey: try LackeyTrace(path: path, pageSize: pageSize)
        case .list: try ListTrace(path: path)
        case .csv: try CSVTrace(path: path)
        case .binary: try BinaryTrace(path: path)
        }
    }
}

/// Reads a plain list of page numbers or addresses, the simplest trace to write by hand.
///
/// ```text
/// # Belady's reference string       ← comments (from '#' to the end of the line)
/// 1
/// 2 W                               ← an optional kind: R/W (either case), or I for a fetch
/// W 0x3                             ← before or after the number; decimal or 0x hexadecimal
/// 4, 1, 2, 5                        ← several numbers on one line: all reads
///                                   ← blank lines are ignored
/// ```
///
/// Numbers are page numbers (`TraceNumbers.pages`, the default: the access is at the start of
/// the page) or addresses (`.addresses`). Accesses have size 0 (unknown). A malformed line is an
/// error naming the file, the line and what was expected.
///
/// ```swift
/// let t = try ListTrace(path: "belady.txt")
/// let bytes = try ListTrace(path: "addresses.txt", numbers: .addresses)
/// ```
public final class ListTrace: Trace {
    /// The file read.
    public let path: String
    /// What the numbers mean.
    public let numbers: TraceNumbers
    private let scanner: LineScanner
    private var pending: [Access] = []
    private var pendingIndex = 0
    private var closed = false

    /// Opens `path` (any compression).
    public init(path: String, numbers: TraceNumbers = .pages) throws {
        try numbers.validate()
        self.path = path
        self.numbers = numbers
        scanner = LineScanner(input: try FileInput(path: path))
    }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        if closed { return 0 }
        var count = 0
        while count < buffer.count {
            if pendingIndex < pending.count {
                buffer[count] = pending[pendingIndex]
                pendingIndex += 1
                count += 1
                continue
            }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            guard let line = try scanner.nextLine() else { break }
            try parse(line)
        }
        return count
    }

    public func rewind() throws {
        scanner.restart(with: try FileInput(path: path))
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
        closed = false
    }

    public func close() {
        scanner.input.close()
        closed = true
    }

    /// Appends the line's accesses to `pending`.
    private func parse(_ line: UnsafeBufferPointer<UInt8>) throws {
        var kind: AccessKind?
        var numberCount = 0
        let firstNew = pending.count
        var i = 0
        let n = line.count
        while i < n {
            let byte = line[i]
            if byte == UInt8(ascii: "#") { break }
            if TextToken.isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") {
                i += 1
                continue
            }
            let start = i
            while i < n && !TextToken.isSpace(line[i]) && line[i] != UInt8(ascii: ",")
                && line[i] != UInt8(ascii: ";") && line[i] != UInt8(ascii: "#") {
                i += 1
            }
            let token = TextToken.slice(line, start, i)
            if token.count == 1, let letterKind = AccessKind(letter: token[0]),
               token[0] | 0x20 != UInt8(ascii: "l") && token[0] | 0x20 != UInt8(ascii: "s") {
                if kind != nil {
                    throw error("expected at most one kind (R, W or I) per line, found a second one \(TextToken.quoted(token))")
                }
                kind = letterKind
                continue
            }
            guard let number = TextToken.number(token) else {
                throw error("expected a page number or address (decimal, or hexadecimal with 0x) or R/W, found \(TextToken.quoted(token))")
            }
            guard let address = numbers.address(of: number) else {
                throw error("page number \(number) is beyond the 64-bit address space")
            }
            pending.append(Access(.read, address: address, size: 0))
            numberCount += 1
        }
        if let kind {
            if numberCount != 1 {
                pending.removeSubrange(firstNew...)
                throw error("expected exactly one number on a line with a kind (R, W or I), found \(numberCount)")
            }
            pending[firstNew].kind = kind
        }
    }

    private func error(_ expected: String) -> TraceError {
        .malformed(path: path, line: scanner.lineNumber, expected: expected)
    }
}

extension ListTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "page list '\(path)'" + (numbers == .addresses ? " (addresses)" : "")
    }
}

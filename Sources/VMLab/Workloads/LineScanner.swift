import Glibc

/// Splits a `FileInput` into lines through one fixed buffer (1 MiB by default), so a text trace
/// of any length is read in constant memory. A returned line is a view into that buffer, valid
/// until the next call; it excludes the `\n` and a trailing `\r`.
final class LineScanner {
    private(set) var input: FileInput
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// The number (from 1) of the line last returned.
    private(set) var lineNumber = 0

    init(input: FileInput, capacity: Int = 1 << 20) {
        self.input = input
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
    }

    /// Starts over on a new input (used by `rewind()`).
    func restart(with input: FileInput) {
        self.input.close()
        self.input = input
        start = 0
        end = 0
        atEnd = false
        lineNumber = 0
    }

    /// The next line, or nil at the end of the input.
    func nextLine() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if start < end {
                let first = buffer + start
                if let found = memchr(first, 10, end - start) {
                    let newline = found.assumingMemoryBound(to: UInt8.self)
                    let length = newline - first
                    start += length + 1
                    return line(first, length)
                }
                if atEnd {
                    let length = end - start
                    start = end
                    return line(first, length)
                }
            } else if atEnd {
                return nil
            }
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                start = 0
            }
            if end == capacity {
                throw TraceError.malformed(
                    path: input.path, line: lineNumber + 1,
                    expected: "expected a line shorter than \(capacity) bytes (is this a text trace?)")
            }
            let n = try input.read(into: buffer + end, count: capacity - end)
            if n == 0 { atEnd = true } else { end += n }
        }
    }

    private func line(_ first: UnsafeMutablePointer<UInt8>, _ length: Int) -> UnsafeBufferPointer<UInt8> {
        lineNumber += 1
        var length = length
        if length > 0 && first[length - 1] == 13 { length -= 1 }
        return UnsafeBufferPointer(start: first, count: length)
    }
}

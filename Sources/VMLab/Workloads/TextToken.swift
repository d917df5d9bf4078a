/// Small byte-level helpers shared by the text readers: numbers and quoting of found text in
/// error messages. They work on views into a reader's buffer and never allocate on success.
enum TextToken {
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9
    }

    static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case 48...57: UInt64(byte - 48)
        case 97...102: UInt64(byte - 87)
        case 65...70: UInt64(byte - 55)
        default: nil
        }
    }

    /// A whole token as a number: decimal (`4096`) or hexadecimal with `0x` (`0x1000`).
    /// Nil if empty, not a number, or above `UInt64.max`.
    static func number(_ token: UnsafeBufferPointer<UInt8>) -> UInt64? {
        let count = token.count
        guard count > 0 else { return nil }
        if count > 2 && token[0] == 48 && (token[1] | 0x20) == 120 {
            guard count <= 18 else { return nil }
            var value: UInt64 = 0
            for i in 2..<count {
                guard let digit = hexValue(token[i]) else { return nil }
                value = value << 4 | digit
            }
            return value
        }
        var value: UInt64 = 0
        for i in 0..<count {
            let digit = token[i] &- 48
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// `'text'` for an error message: at most 40 characters, `end of line` if empty.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.isEmpty { return "end of line" }
        let shown = String(decoding: bytes.prefix(40), as: UTF8.self)
        return "'\(shown)\(bytes.count > 40 ? "…" : "")'"
    }

    /// The view `line[from..<to]`.
    static func slice(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[from..<to])
    }
}

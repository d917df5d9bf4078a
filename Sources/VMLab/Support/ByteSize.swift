/// Sizes written the way people write them: `4096`, `"4 KiB"`, `"2M"`, `"1 GiB"`.
///
/// Units are binary multiples whatever their spelling (memory sizes are):
/// B; K, KB, KiB = 2^10; M, MB, MiB = 2^20; G, GB, GiB = 2^30; T, TB, TiB = 2^40.
/// Case is ignored; a space between number and unit is optional; a fraction is
/// allowed when the result is a whole number of bytes (`"1.5 KiB"` = 1536).
///
/// ```swift
/// try ByteSize.parse("64 MiB")   // 67108864  (Units.size formats the other way)
/// ```
public enum ByteSize {
    /// Why a text is not a size.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let text: String
        public let reason: String
        public var description: String {
            "cannot read '\(text)' as a size: \(reason) (expected a number and one of B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB)"
        }
    }

    static let units: [(names: [String], shift: Int)] = [
        (["", "b"], 0), (["k", "kb", "kib"], 10), (["m", "mb", "mib"], 20),
        (["g", "gb", "gib"], 30), (["t", "tb", "tib"], 40),
    ]

    /// The number of bytes `text` names.
    public static func parse(_ text: String) throws(ParseError) -> Int {
        let trimmed = text.trimmingSpaces
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = String(trimmed[..<numberEnd])
        let unit = String(trimmed[numberEnd...]).trimmingSpaces.lowercased()
        guard !number.isEmpty else { throw ParseError(text: text, reason: "no number") }
        guard let shift = units.first(where: { $0.names.contains(unit) })?.shift else {
            throw ParseError(text: text, reason: "unknown unit '\(String(trimmed[numberEnd...]).trimmingSpaces)'")
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0].isEmpty ? "0" : String(parts[0])) else {
            throw ParseError(text: text, reason: "'\(number)' is not a number")
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow else { throw ParseError(text: text, reason: "too large") }
        guard parts.count == 2, !parts[1].isEmpty else {
            guard parts.count == 1 else { throw ParseError(text: text, reason: "'\(number)' is not a number") }
            return scaled
        }
        // The fraction in exact integer arithmetic: digits / 10^n of 2^shift bytes.
        let digits = String(parts[1])
        guard digits.count <= 12, let fraction = Int(digits) else { throw ParseError(text: text, reason: "'\(number)' is not a number") }
        var denominator = 1
        for _ in digits { denominator *= 10 }
        let (numerator, overflow2) = fraction.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow2 else { throw ParseError(text: text, reason: "too large") }
        guard numerator % denominator == 0 else { throw ParseError(text: text, reason: "not a whole number of bytes") }
        let (total, overflow3) = scaled.addingReportingOverflow(numerator / denominator)
        guard !overflow3 else { throw ParseError(text: text, reason: "too large") }
        return total
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

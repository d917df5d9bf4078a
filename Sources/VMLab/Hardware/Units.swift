/// Formatting of addresses and sizes and "did you mean" suggestions, shared by error messages,
/// dumps and bindings. Parsing sizes is `ByteSize.parse`.
public enum Units {
    /// `0x`-prefixed lowercase hexadecimal, e.g. `hex(4096)` is `"0x1000"`.
    public static func hex(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }

    /// A size in the largest binary unit that divides it exactly, e.g. `"2 MiB"`, `"4 KiB"`, `"96 B"`.
    public static func size(_ bytes: UInt64) -> String {
        let units: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, unit) in units where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit) \(name)"
        }
        return "\(bytes) B"
    }

    /// The Levenshtein distance between two strings (for "did you mean" suggestions).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let left = Array(a), right = Array(b)
        if left.isEmpty { return right.count }
        var previous = Array(0...right.count)
        for i in 1...left.count {
            var current = [i] + Array(repeating: 0, count: right.count)
            for j in stride(from: 1, through: right.count, by: 1) {
                let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[right.count]
    }

    /// The candidate closest to `name` if it is close enough to be a likely typo.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best, distance <= max(2, candidate.count / 3) else { return nil }
        return candidate
    }
}

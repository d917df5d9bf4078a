/// Checking pattern names given as strings (Lua options, command lines).
extension GeneratorPattern {
    /// Returns `name` if it is one of `names`; else throws `TraceError.invalidOption` with the
    /// closest name as a suggestion.
    ///
    /// ```swift
    /// try GeneratorPattern.checkName("zpif")
    /// // bad option 'pattern': unknown generator 'zpif' (did you mean 'zipf'?); expected one of
    /// // sequential, strided, uniform, zipf, loop, phases, pointer_chase
    /// ```
    @discardableResult
    public static func checkName(_ name: String) throws -> String {
        if names.contains(name) { return name }
        var message = "unknown generator '\(name)'"
        if let closest = closestName(to: name) { message += " (did you mean '\(closest)'?)" }
        message += "; expected one of \(names.joined(separator: ", "))"
        throw TraceError.invalidOption(name: "pattern", message: message)
    }

    /// The name in `names` within edit distance 2 of `name`, if any.
    static func closestName(to name: String) -> String? {
        let best = names.map { ($0, editDistance(Array(name.lowercased()), Array($0))) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return nil }
        return best.0
    }

    /// Levenshtein distance (insertions, deletions, substitutions and adjacent swaps).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

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
        if let closest = Units.suggestion(for: name, among: names) { message += " (did you mean '\(closest)'?)" }
        message += "; expected one of \(names.joined(separator: ", "))"
        throw TraceError.invalidOption(name: "pattern", message: message)
    }
}

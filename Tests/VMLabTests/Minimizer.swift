/// Shrinks a failing sequence of steps (delta debugging, ddmin): removes ever smaller chunks
/// as long as what is left still fails, so that a property test prints the few steps that
/// matter instead of hundreds. Every subsequence must be runnable (the steps of the property
/// tests choose processes and pages modulo what exists, so any of them can be left out).
enum Minimizer {
    /// The smallest sequence found (at most `budget` runs of `fails`) that still fails.
    static func minimize<Step>(_ steps: [Step], budget: Int = 2_000, fails: ([Step]) -> Bool) -> [Step] {
        var current = steps
        var chunk = max(1, current.count / 2)
        var runs = 0
        while chunk >= 1 && runs < budget {
            var removedAny = false
            var start = 0
            while start < current.count && runs < budget {
                var candidate = current
                candidate.removeSubrange(start..<min(start + chunk, current.count))
                runs += 1
                if !candidate.isEmpty && fails(candidate) {
                    current = candidate
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if !removedAny {
                if chunk == 1 { break }
                chunk = max(1, chunk / 2)
            }
        }
        return current
    }
}

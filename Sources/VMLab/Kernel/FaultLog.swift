/// When a process's most recent faults happened, in its own accesses (its virtual time): the
/// page-fault frequency over a window is how many of them fall inside it. Keeps the last
/// `capacity` faults (a ring), so a window holding more reports `capacity`.
struct FaultLog {
    /// Faults remembered at most.
    static let capacity = 4096
    private var times: [Int] = []
    private var next = 0

    /// Records a fault at virtual time `time` (times never decrease).
    mutating func record(_ time: Int) {
        if times.count < Self.capacity {
            times.append(time)
        } else {
            times[next] = time
            next = (next + 1) % Self.capacity
        }
    }

    /// Faults recorded at a time ≥ `start`.
    func count(since start: Int) -> Int {
        var n = 0
        for t in times where t >= start { n += 1 }
        return n
    }
}

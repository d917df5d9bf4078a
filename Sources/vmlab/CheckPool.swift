import Foundation

/// Runs units on `jobs` threads, one Lua state per unit (states are
/// independent, so no two threads ever share one).
final class CheckPool: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private var results: [[CheckResult]]
    private let units: [CheckUnit]
    private let runner: CheckRunner

    init(units: [CheckUnit], runner: CheckRunner) {
        self.units = units
        self.runner = runner
        self.results = Array(repeating: [], count: units.count)
    }

    /// Runs everything; `progress(done, total, name)` is called on the calling
    /// thread as units finish. Returns the results in unit order.
    func run(jobs: Int, progress: (Int, Int, String) -> Void) -> [CheckResult] {
        let finished = DispatchSemaphore(value: 0)
        let threads = max(1, min(jobs, units.count))
        for _ in 0..<threads {
            let thread = Thread { [self] in
                while let i = take() {
                    let r = runner.run(units[i])
                    lock.lock()
                    results[i] = r
                    done += 1
                    lock.unlock()
                    finished.signal()
                }
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        for _ in 0..<units.count {
            finished.wait()
            lock.lock()
            let d = done
            lock.unlock()
            progress(d, units.count, "")
        }
        return results.flatMap { $0 }
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < units.count else { return nil }
        next += 1
        return next - 1
    }
}

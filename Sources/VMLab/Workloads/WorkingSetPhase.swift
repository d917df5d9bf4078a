/// One phase of a `GeneratorPattern.phases` workload: `length` accesses spread uniformly over
/// a working set of `pages` pages.
///
/// ```swift
/// let phases = [WorkingSetPhase(pages: 50, length: 10_000), WorkingSetPhase(pages: 200, length: 5_000)]
/// ```
public struct WorkingSetPhase: Sendable, Equatable {
    /// Pages in this phase's working set (> 0).
    public var pages: Int
    /// Accesses in this phase (> 0).
    public var length: Int

    public init(pages: Int, length: Int) {
        self.pages = pages
        self.length = length
    }
}

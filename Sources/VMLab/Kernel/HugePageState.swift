/// The kernel's huge-page settings and state: the transparent-huge-page mode, khugepaged's
/// tunable and cursor, the hugetlb pool and the counters.
public struct HugePageState: Sendable, Equatable {
    /// When anonymous memory gets transparent huge pages (default `never`).
    public var mode: TransparentHugePageMode = .never
    /// khugepaged collapses a region with at most this many absent base pages (Linux's
    /// `max_ptes_none`, default 511 of 512: one present page is enough).
    public var maxPtesNone = 511
    /// The hugetlb pool (empty unless reserved at boot).
    public var pool = HugePagePool()
    /// Counters.
    public var counters = HugePageCounters()
    /// Where khugepaged resumes: a pid and an address in it.
    var cursor: (pid: Int, va: UInt64) = (0, 0)

    /// Defaults: THP never, empty pool.
    public init() {}

    public static func == (a: HugePageState, b: HugePageState) -> Bool {
        a.mode == b.mode && a.maxPtesNone == b.maxPtesNone && a.pool == b.pool && a.counters == b.counters
            && a.cursor == b.cursor
    }
}

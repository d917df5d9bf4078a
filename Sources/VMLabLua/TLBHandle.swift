import VMLab

/// A TLB structure (or one level's page-walk cache) as Lua holds it, with the
/// machine kept alive and the CPU it belongs to (nil for a shared structure).
final class TLBHandle {
    let machine: Machine
    let tlb: TLB
    /// The upper page-table level a page-walk cache serves, else nil.
    let pageWalkCacheLevel: Int?

    init(_ tlb: TLB, of machine: Machine, pageWalkCacheLevel: Int? = nil) {
        self.machine = machine
        self.tlb = tlb
        self.pageWalkCacheLevel = pageWalkCacheLevel
    }
}

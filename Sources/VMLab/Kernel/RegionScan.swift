/// What `scanRegion` found in a region mapped by base pages.
struct RegionScan: Sendable {
    /// The upper-level entry pointing at the leaf table.
    var upperSlot: UInt64
    /// The leaf table.
    var table: UInt64
    /// Present base pages.
    var present: Int
}

/// The costs a device's translations charge, copied from the machine's cost model when it
/// changes (the IOTLB-hit path reads two integers, not the whole model with its arrays).
struct DeviceCosts {
    /// The machine's `costsVersion` these were read at (`UInt64.max`: never read).
    var version = UInt64.max
    /// Cycles of an IOTLB hit: the first TLB level's hit cost.
    var hit = 1
    /// Cycles per memory reference of a walk.
    var memoryReference = 100
}

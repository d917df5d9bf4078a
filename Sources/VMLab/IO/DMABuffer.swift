/// What `Device.map` maps at an IOVA.
public enum DMABuffer {
    /// `bytes` of physical memory at `address` (host-physical, or guest-physical for a device
    /// assigned to a guest). The caller vouches that nothing reclaims it (frames from
    /// `allocateFrames` are never reclaimed).
    case physical(address: UInt64, bytes: UInt64)
    /// `bytes` of process `process`'s memory at virtual address `va` (page aligned). Each page is
    /// faulted in and must be pinned (mlock) unless `pin` is true, which pins it for as long as
    /// the device maps it.
    case process(Process, va: UInt64, bytes: UInt64, pin: Bool)
}

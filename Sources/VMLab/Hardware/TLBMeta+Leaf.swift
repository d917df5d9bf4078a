extension TLBMeta {
    /// The TLB flag bits of a leaf entry `raw` with the effective permissions the walker found;
    /// `dirty` tells whether the entry (after the walker's update) counts as dirty. (The radix
    /// walker spells the same expression out: through this helper its MMU path measured ~35
    /// more instructions per miss, so it keeps its own copy.)
    @inline(__always)
    static func leaf(_ raw: UInt64, globalBit: UInt64, readable: Bool, writable: Bool, executable: Bool,
                     user: Bool, dirty: Bool, key: Int) -> UInt32 {
        (readable ? TLBMeta.readable : 0) | (writable ? TLBMeta.writable : 0)
            | (executable ? TLBMeta.executable : 0) | (user ? TLBMeta.user : 0)
            | (dirty ? TLBMeta.dirty : 0) | (raw & globalBit != 0 ? TLBMeta.global : 0)
            | (UInt32(key) << TLBMeta.keyShift)
    }
}

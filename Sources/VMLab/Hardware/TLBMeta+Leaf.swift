extension TLBMeta {
    /// The TLB flag bits of a leaf entry `updated` (after the walker's A/D update) with the
    /// effective permissions the walker found. A format without a dirty bit (textbook PTEs)
    /// never needs the walker to set one, so its entries count as dirty.
    @inline(__always)
    static func leaf(_ updated: UInt64, layout l: PTELayout, readable: Bool, writable: Bool, executable: Bool,
                     user: Bool, key: Int) -> UInt32 {
        let dirty = l.dirty == 0 || updated & l.dirty != 0
        return (readable ? TLBMeta.readable : 0) | (writable ? TLBMeta.writable : 0)
            | (executable ? TLBMeta.executable : 0) | (user ? TLBMeta.user : 0)
            | (dirty ? TLBMeta.dirty : 0) | (updated & l.global != 0 ? TLBMeta.global : 0)
            | (UInt32(key) << TLBMeta.keyShift)
    }
}

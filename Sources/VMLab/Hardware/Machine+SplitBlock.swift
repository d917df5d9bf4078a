extension Machine {
    /// Splits the block of `order` starting at `first` (from `allocateFrames`) into single
    /// frames, each freed on its own later; the head's metadata loses its order, the other
    /// metadata is kept. Throws `badFree` when no such block is allocated.
    public func splitFrames(first: UInt64, order: Int) throws(VMError) {
        try frames.splitAllocated(frame: first, order: order)
        try memory.updateInfo(frame: first) { $0.order = 0 }
    }
}

/// What a physical frame is used for, as recorded in its metadata.
public enum FrameState: UInt8, Sendable, Equatable {
    /// In the buddy allocator's free lists.
    case free
    /// Allocated, no more specific use recorded.
    case allocated
    /// Holds a page table (see `FrameInfo.tableLevel`).
    case pageTable
    /// Holds user or kernel data mapped by some page table.
    case user
}

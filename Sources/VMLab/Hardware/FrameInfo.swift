/// Per-frame metadata (Linux's `struct page`, trimmed). 20 bytes; stored lazily in chunks by
/// `PhysicalMemory`, so a frame nobody touched reads as the default (free, all counts zero).
public struct FrameInfo: Sendable, Equatable {
    /// What the frame is used for.
    public var state: FrameState = .free
    /// For page-table frames: the level of the table (0 = root); -1 otherwise.
    public var tableLevel: Int8 = -1
    /// Pinned frames are never evicted or moved (DMA, mlock).
    public var pinned = false
    /// The contents differ from the backing store (swap or file).
    public var dirty = false
    /// References held on the frame (e.g. by the page cache, COW sharers).
    public var refcount: Int32 = 0
    /// Number of page-table entries that map this frame.
    public var mapcount: Int32 = 0
    /// Id of the owner (process, address space or device); 0 = none.
    public var owner: Int32 = 0
    /// log2 of the number of frames in the allocated block this frame heads (0 for a single frame).
    public var order: Int8 = 0

    /// A free frame with no owner.
    public init() {}
}

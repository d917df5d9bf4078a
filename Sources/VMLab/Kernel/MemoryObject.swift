/// Something pages can be shared through: a file of the simulated file store, or the anonymous
/// object behind a MAP_SHARED|MAP_ANONYMOUS mapping. It holds the **page cache**: the frames
/// that currently hold its pages, each with one reference held by the cache. Every process
/// mapping a page maps the same frame, so writes through shared mappings are seen by all of
/// them and by `read` of the file (which reads cached pages first, the backing bytes otherwise).
public final class MemoryObject: @unchecked Sendable {
    /// The file's name (`"[shared]"` for anonymous shared memory).
    public let name: String
    /// True for the object behind shared anonymous memory (no file).
    public let isAnonymous: Bool
    /// Size in bytes.
    public internal(set) var size: UInt64
    /// The backing bytes ("the disk"), as long as `size` or shorter (the rest reads as zero).
    var contents: [UInt8]
    /// Page index → frame number of the page-cache frame holding it.
    public internal(set) var cache: [UInt64: UInt64] = [:]
    /// False for a read-only file: MAP_SHARED with PROT_WRITE is EACCES.
    public internal(set) var writable = true
    /// The kernel whose file store holds it.
    public internal(set) weak var kernel: Kernel?
    /// Pages read from the backing bytes (major faults on file pages).
    public internal(set) var reads = 0
    /// Shared anonymous memory only: page index → the swap slot the object owns for that page
    /// (Linux's shmem swap entries kept in the page cache). A page out of `cache` lives only
    /// there; a page in both was read back and the slot still holds its bytes (swap cache).
    /// Each slot counts one user (the object) on the swap device.
    public internal(set) var swapSlots: [UInt64: Int] = [:]

    /// An object of `size` bytes whose backing bytes start with `contents`.
    init(name: String, anonymous: Bool, size: UInt64, contents: [UInt8]) {
        self.name = name
        self.isAnonymous = anonymous
        self.size = size
        self.contents = contents
    }
}

/// The arguments of `mmap`: where (a hint, or exactly with `fixed`), how much, with what
/// protection, and what backs it.
public struct MmapRequest: Sendable {
    /// The address asked for: a hint, or the exact place with `fixed` (page aligned).
    public var address: UInt64?
    /// Bytes (rounded up to whole pages; 0 is EINVAL).
    public var length: UInt64
    /// Protection of the new area.
    public var protection: Protection
    /// MAP_SHARED (else MAP_PRIVATE).
    public var shared = false
    /// MAP_FIXED: place exactly at `address`, replacing whatever is there (like Linux).
    public var fixed = false
    /// MAP_POPULATE: fault every page in at once.
    public var populate = false
    /// A stack: the area is the stack's growth room; it starts one page high, grows down on
    /// faults, with a guard page below (MAP_GROWSDOWN plus Linux's stack guard gap).
    public var stack = false
    /// MAP_HUGETLB: the area is backed by huge pages (private anonymous memory only; length
    /// rounded up to and address aligned on the huge-page size).
    public var hugepage = false
    /// MAP_LOCKED: populate and pin.
    public var locked = false
    /// Windows-style reservation: address space only; every access is SIGSEGV until `commit`.
    public var reserve = false
    /// A guard region: every access is SIGSEGV "guard page".
    public var guardRegion = false
    /// The file to map (nil: anonymous memory).
    public var file: MemoryObject?
    /// Byte offset in the file (page aligned).
    public var offset: UInt64 = 0

    /// A request for `length` bytes with `protection`, private anonymous, placed by the kernel.
    public init(length: UInt64, protection: Protection = .readWrite) {
        self.length = length
        self.protection = protection
    }
}

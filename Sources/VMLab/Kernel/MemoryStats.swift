/// Memory use of a process, as /proc/PID/smaps_rollup reports it (bytes).
public struct MemoryStats: Sendable, Equatable {
    /// Bytes of address space in VMAs (VmSize).
    public var size: UInt64 = 0
    /// Resident set: bytes of user pages mapped by present PTEs.
    public var rss: UInt64 = 0
    /// Proportional set: each resident page counts page size / number of mappings of its frame.
    public var pss: Double = 0
    /// Resident bytes whose frame is mapped more than once (by anyone).
    public var shared: UInt64 = 0
    /// Resident bytes whose frame only this mapping maps.
    public var privateBytes: UInt64 = 0
    /// Bytes whose PTE holds a swap entry.
    public var swapped: UInt64 = 0
    /// Bytes of page-table pages (all levels, root included).
    public var pageTableBytes: UInt64 = 0
    /// Resident bytes in locked VMAs.
    public var locked: UInt64 = 0
    /// Resident bytes mapped by huge pages.
    public var huge: UInt64 = 0
    /// Of those, bytes in transparent huge pages (smaps' AnonHugePages; the rest is hugetlb).
    public var anonHuge: UInt64 = 0

    /// All zero.
    public init() {}
}

/// Flags of a VMA (a subset of Linux's VM_* flags, named for students).
public struct VMAFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Not backed by a file: pages start zero-filled.
    public static let anonymous = VMAFlags(rawValue: 1 << 0)
    /// Shared with other processes (MAP_SHARED): writes are seen by every sharer (and the file).
    public static let shared = VMAFlags(rawValue: 1 << 1)
    /// A stack: grows down on a fault below its start, as far as its growth limit.
    public static let stack = VMAFlags(rawValue: 1 << 2)
    /// A guard page/region: every access is SIGSEGV "guard page".
    public static let guardRegion = VMAFlags(rawValue: 1 << 3)
    /// Locked in memory (mlock): populated at once, pages pinned.
    public static let locked = VMAFlags(rawValue: 1 << 4)
    /// Backed by huge pages (mmap flag `hugepage`, like MAP_HUGETLB): a fault maps a whole huge
    /// page; the area and every range a system call names in it are huge-page aligned.
    public static let huge = VMAFlags(rawValue: 1 << 5)
    /// madvise(MADV_HUGEPAGE) was given: with THP "madvise" the area gets transparent huge pages.
    public static let hugeAdvised = VMAFlags(rawValue: 1 << 8)
    /// madvise(MADV_NOHUGEPAGE) was given: no transparent huge page here, even with THP "always".
    public static let hugeRefused = VMAFlags(rawValue: 1 << 9)
    /// Windows-style reserved (not committed) range: every access is SIGSEGV "reserved, not committed".
    public static let reserved = VMAFlags(rawValue: 1 << 6)
    /// The heap (`brk`).
    public static let heap = VMAFlags(rawValue: 1 << 7)
}

extension Kernel {
    /// The advice `madvise` understands.
    public enum Advice: String, Sendable, CaseIterable {
        /// MADV_DONTNEED: drop the pages; private anonymous memory reads as zero next time.
        case dontneed
        /// MADV_WILLNEED: fault the pages in now.
        case willneed
        /// MADV_HUGEPAGE: the range may get transparent huge pages (with THP "madvise" or "always").
        case hugepage
        /// MADV_NOHUGEPAGE: no transparent huge page in the range (huge pages already there stay).
        case nohugepage
    }
}

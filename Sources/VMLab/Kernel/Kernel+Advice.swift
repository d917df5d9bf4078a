extension Kernel {
    /// The advice `madvise` understands.
    public enum Advice: String, Sendable, CaseIterable {
        /// MADV_DONTNEED: drop the pages; private anonymous memory reads as zero next time.
        case dontneed
        /// MADV_WILLNEED: fault the pages in now.
        case willneed
        /// MADV_HUGEPAGE: mark the range for huge pages (recorded only).
        case hugepage
        /// MADV_NOHUGEPAGE.
        case nohugepage
    }
}

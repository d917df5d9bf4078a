/// When the kernel backs private anonymous memory with huge pages by itself (Linux's
/// `/sys/kernel/mm/transparent_hugepage/enabled`).
///
/// - `always`: every private anonymous area may get huge pages (unless `madvise(nohugepage)`).
/// - `madvise`: only areas given `madvise(hugepage)` (Linux's default in most distributions).
/// - `never`: none (vmlab's default, so existing scripts see 4 KiB pages).
///
/// An eligible aligned huge-page region (inside one VMA, private anonymous, not a stack, not
/// hugetlb) gets a huge page at its first fault when the buddy allocator has a free aligned
/// block (`thp_fault_alloc`, else `thp_fault_fallback` and a base page); it is promoted when all
/// its base pages are present, and `khugepaged` collapses regions that are mostly present.
public enum TransparentHugePageMode: String, Sendable, CaseIterable {
    /// Every private anonymous area.
    case always
    /// Areas with `madvise(hugepage)` only.
    case madvise
    /// Never.
    case never
}

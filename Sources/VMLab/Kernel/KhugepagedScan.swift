/// What one khugepaged pass did.
public struct KhugepagedScan: Sendable, Equatable {
    /// THP regions looked at.
    public var scanned = 0
    /// Regions collapsed into a huge page.
    public var collapsed = 0
    /// Collapsible regions left alone because no aligned block was free.
    public var failed = 0
}

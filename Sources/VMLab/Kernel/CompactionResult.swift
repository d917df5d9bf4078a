/// What one compaction run did.
public struct CompactionResult: Sendable, Equatable {
    /// Base pages moved.
    public var migrated = 0
    /// Huge-page blocks emptied by this run.
    public var blocks = 0
    /// Free aligned huge-page blocks after the run.
    public var freeHugeBlocks = 0
}

/// The leaf tables that the last two kernel walks of one space reached (`PageTable.stopEntry`),
/// keyed by the VA bits above the leaf level's index (`region`). One fault walks to its page
/// several times — to classify it, to swap the page in, to map it, to track it — and a reclaim
/// walks to its victim's: with the memo, each of those walks after the first reads one entry.
///
/// The memo is only as good as its generation: `PhysicalMemory.tableGeneration` moves at every
/// change that could move a leaf table away from a region, and an entry of an older generation
/// is never used. It moves at a table-entry write outside the leaf tables held here
/// (`PageTable.writeEntry`), at any write to memory from outside the page-table code
/// (`PhysicalMemory.write`, `writeBytes`, `zero`, `copy`, so also DMA), when a table frame is
/// freed, and at a restore. (The walker's Accessed and Dirty bits change no table address.)
///
/// A write inside a remembered leaf table is taken for a leaf entry's. A frame linked as a leaf
/// table and as an upper table at once is possible only through physical writes, which the
/// kernel's invariants forbid (`Kernel.check` reports the table-level mismatch); there the memo
/// may miss a change made through the other link.
struct LeafTableMemo {
    private var region0: UInt64 = .max
    private var table0: UInt64 = 0
    private var region1: UInt64 = .max
    private var table1: UInt64 = 0
    /// The generation both entries were taken at.
    private var generation: UInt64 = .max
    /// The entry `remember` overwrites next (the older one).
    private var older = 0

    /// The leaf table remembered for `region`, if it was remembered at generation `current`.
    @inline(__always)
    func table(region: UInt64, generation current: UInt64) -> UInt64? {
        guard generation == current else { return nil }
        if region0 == region { return table0 }
        if region1 == region { return table1 }
        return nil
    }

    /// Remembers that `region`'s leaf table is at `table`, at generation `current` (forgetting
    /// the entries of an older generation, else the older entry).
    mutating func remember(region: UInt64, table: UInt64, generation current: UInt64) {
        if generation != current {
            generation = current
            region0 = .max
            region1 = .max
            older = 0
        }
        if older == 0 {
            region0 = region; table0 = table; older = 1
        } else {
            region1 = region; table1 = table; older = 0
        }
    }

    /// True when the entry at `slot` lies in a leaf table held at generation `current` (of
    /// `tableBytes` bytes): writing it changes a leaf entry, and no table address.
    @inline(__always)
    func holds(slot: UInt64, tableBytes: UInt64, generation current: UInt64) -> Bool {
        generation == current
            && ((region0 != .max && slot &- table0 < tableBytes) || (region1 != .max && slot &- table1 < tableBytes))
    }
}

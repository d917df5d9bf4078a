/// The address spaces a machine has made and that still exist: a snapshot finds every one of
/// them (hardware-level spaces too, which nothing else in the machine lists). Held neither
/// strongly (the registry must not keep a space alive) nor `weak`: a weak reference gives the
/// table a side table that makes every retain and release of it slow, and page tables are
/// retained on every kernel path. A table removes itself in its deinit, so no entry dangles.
final class PageTableRegistry {
    /// A reference to one page table that does not keep it alive.
    private struct Entry { unowned(unsafe) let table: PageTable }
    private var entries: [ObjectIdentifier: Entry] = [:]

    /// Adds `table` (from its init).
    func add(_ table: PageTable) { entries[ObjectIdentifier(table)] = Entry(table: table) }

    /// Removes `table` (from its deinit).
    func remove(_ table: PageTable) { entries[ObjectIdentifier(table)] = nil }

    /// The tables that exist, oldest owner id first.
    var all: [PageTable] { entries.values.map(\.table).sorted { $0.owner < $1.owner } }
}

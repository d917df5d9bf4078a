/// The address spaces a machine has made and that still exist, held weakly: a snapshot finds
/// every one of them (hardware-level spaces too, which nothing else in the machine lists).
final class PageTableRegistry {
    /// A weak reference to one page table.
    private struct Entry { weak var table: PageTable? }
    private var entries: [ObjectIdentifier: Entry] = [:]

    /// Adds `table` (from its init).
    func add(_ table: PageTable) { entries[ObjectIdentifier(table)] = Entry(table: table) }

    /// Removes `table` (from its deinit).
    func remove(_ table: PageTable) { entries[ObjectIdentifier(table)] = nil }

    /// The tables that exist, oldest owner id first.
    var all: [PageTable] { entries.values.compactMap(\.table).sorted { $0.owner < $1.owner } }
}

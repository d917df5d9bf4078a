/// Which object stands for which when a snapshot is put back: restoring a machine in place
/// maps every object to itself (the remap is empty); forking a machine maps each object of the
/// machine the snapshot was taken of to its copy in the new machine.
final class SnapshotRemap {
    private var tables: [ObjectIdentifier: PageTable] = [:]
    private var processes: [ObjectIdentifier: Process] = [:]
    private var objects: [ObjectIdentifier: MemoryObject] = [:]

    /// `copy` stands for `original` from now on.
    func add(_ original: PageTable, _ copy: PageTable) { tables[ObjectIdentifier(original)] = copy }
    func add(_ original: Process, _ copy: Process) { processes[ObjectIdentifier(original)] = copy }
    func add(_ original: MemoryObject, _ copy: MemoryObject) { objects[ObjectIdentifier(original)] = copy }

    /// The object standing for `original`.
    func table(_ original: PageTable) -> PageTable { tables[ObjectIdentifier(original)] ?? original }
    func process(_ original: Process) -> Process { processes[ObjectIdentifier(original)] ?? original }
    func object(_ original: MemoryObject) -> MemoryObject { objects[ObjectIdentifier(original)] ?? original }
}

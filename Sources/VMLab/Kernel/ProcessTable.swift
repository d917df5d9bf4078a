/// The kernel's live processes, indexed by pid: one slot per pid ever handed out (pids are
/// small and never reused), so finding a page's owner when it is evicted is an array load, not
/// a hash lookup.
///
/// ```swift
/// var table = ProcessTable()
/// table[p.pid] = p
/// table[p.pid]?.name   // p's name
/// table.values         // live processes, lowest pid first
/// ```
public struct ProcessTable {
    private var slots: [Process?] = []
    /// Number of live processes.
    public private(set) var count = 0

    /// An empty table.
    public init() {}

    /// The live process with `pid`, or nil.
    public subscript(pid: Int) -> Process? {
        get { pid >= 0 && pid < slots.count ? slots[pid] : nil }
        set {
            guard pid >= 0 else { return }
            if pid >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: pid + 1 - slots.count))
            }
            count += (newValue != nil ? 1 : 0) - (slots[pid] != nil ? 1 : 0)
            slots[pid] = newValue
        }
    }

    /// Whether no process is alive.
    public var isEmpty: Bool { count == 0 }

    /// The live processes, lowest pid first.
    public var values: [Process] { slots.compactMap { $0 } }
}

/// The PTEs that map one page — which process, which slot — as eviction collects them through
/// the reverse map. A page is mapped once as a rule, so the first mapping is held inline and
/// only further ones (COW-shared pages after fork) go to an array: collecting the usual single
/// mapping allocates nothing.
struct PageMappings: Sequence {
    typealias Element = (process: Process, slot: UInt64)
    private var first: Element?
    private var more: [Element] = []

    /// Number of mappings collected.
    var count: Int { first == nil ? 0 : 1 + more.count }

    /// Whether none was collected.
    var isEmpty: Bool { first == nil }

    /// Adds the mapping of `process` at PTE `slot`.
    mutating func append(_ process: Process, slot: UInt64) {
        if first == nil { first = (process, slot) } else { more.append((process, slot)) }
    }

    /// The first mapping, then the others in the order collected.
    struct Iterator: IteratorProtocol {
        fileprivate let mappings: PageMappings
        fileprivate var index = -1
        mutating func next() -> Element? {
            defer { index += 1 }
            return index < 0 ? mappings.first : index < mappings.more.count ? mappings.more[index] : nil
        }
    }

    func makeIterator() -> Iterator { Iterator(mappings: self) }

    /// The first mapping collected (nil when none was).
    var firstMapping: Element? { first }
}

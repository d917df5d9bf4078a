/// A trace held in memory: textbook reference strings and small hand-made examples, e.g. for
/// `vm.trace.list{1, 2, 3, 4, 1, 2, 5}`.
///
/// ```swift
/// let belady = ArrayTrace(pages: [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5])   // reads, 4 KiB pages
/// let mixed = ArrayTrace(accesses: [Access(.read, address: 0x1000), Access(.write, address: 0x2000)])
/// ```
public final class ArrayTrace: Trace {
    /// The accesses, in order.
    public let accesses: [Access]
    private var position = 0

    /// A trace of exactly these accesses.
    public init(accesses: [Access]) {
        self.accesses = accesses
    }

    /// Reads of the given page numbers, each at the start of its page.
    /// Throws `.invalidOption` if `pageSize` is 0 or a page number × `pageSize` overflows.
    public convenience init(pages: [UInt64], kind: AccessKind = .read, pageSize: UInt64 = 4096) throws {
        try self.init(pairs: pages.map { (kind, $0) }, numbers: .pageNumbers(pageSize: pageSize))
    }

    /// Accesses from (kind, number) pairs, the numbers being page numbers or addresses.
    public convenience init(pairs: [(AccessKind, UInt64)], numbers: TraceNumbers = .addresses) throws {
        try numbers.validate()
        var accesses: [Access] = []
        accesses.reserveCapacity(pairs.count)
        for (index, (kind, number)) in pairs.enumerated() {
            guard let address = numbers.address(of: number) else {
                throw TraceError.invalidOption(
                    name: "list", message: "item \(index + 1): page \(number) is beyond the 64-bit address space")
            }
            accesses.append(Access(kind, address: address, size: 0))
        }
        self.init(accesses: accesses)
    }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let n = min(buffer.count, accesses.count - position)
        for i in 0..<n { buffer[i] = accesses[position + i] }
        position += n
        return n
    }

    public func rewind() throws { position = 0 }

    public func close() { position = accesses.count }
}

extension ArrayTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "list of \(accesses.count) accesses"
    }
}

/// Something the kernel did, as observers see it: a kind (`fault`, `cow`, `segv`, `mmap`,
/// `munmap`, `fork`, `exit`…) and named fields (integers, strings or flags).
public struct KernelEvent: Sendable, Equatable {
    /// A field value.
    public enum Value: Sendable, Equatable {
        /// A number (addresses as their 64-bit pattern).
        case integer(Int)
        /// A word or sentence.
        case text(String)
        /// Yes or no (a Lua boolean).
        case flag(Bool)
    }

    /// The event kind.
    public var kind: String
    /// The fields, in a fixed order (`pid` first).
    public var fields: [(String, Value)]

    /// An event of `kind` with `fields`.
    public init(_ kind: String, _ fields: [(String, Value)]) {
        self.kind = kind
        self.fields = fields
    }

    /// The kinds there are.
    public static let kinds = ["fault", "cow", "segv", "mmap", "munmap", "fork", "exit",
                               "evict", "swap_out", "swap_in", "writeback", "oom", "dma_fault"]

    /// Same kind and the same fields in the same order.
    public static func == (a: KernelEvent, b: KernelEvent) -> Bool {
        a.kind == b.kind && a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1)
    }
}

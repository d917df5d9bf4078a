/// One memory access of a trace: what it does, at which virtual address, how many bytes.
///
/// A compact value (16 bytes, no references) so that traces move through flat buffers:
/// readers and generators fill a caller's `UnsafeMutableBufferPointer<Access>` in batches and
/// never allocate per access.
///
/// ```swift
/// let a = Access(.write, address: 0x7ffd_1234_5678, size: 8)
/// a.page(pageShift: 12)   // 0x7ffd12345
/// ```
public struct Access: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The virtual address of the first byte touched.
    public var address: UInt64
    /// How many bytes are touched (0 when the trace does not say; treated as 1).
    public var size: UInt32
    /// Read, write or fetch.
    public var kind: AccessKind

    /// Creates an access; `size` defaults to 1 byte.
    public init(_ kind: AccessKind, address: UInt64, size: UInt32 = 1) {
        self.kind = kind
        self.address = address
        self.size = size
    }

    /// A read of size 0 at address 0: a filler value for preallocated buffers.
    public init() {
        self.init(.read, address: 0, size: 0)
    }

    /// The virtual page number of the first byte, for pages of `1 << pageShift` bytes.
    public func page(pageShift: Int) -> UInt64 {
        address >> UInt64(pageShift)
    }

    /// `write 0x7ffd12345678 (8 bytes)`.
    public var description: String {
        "\(kind) 0x\(String(address, radix: 16)) (\(size) byte\(size == 1 ? "" : "s"))"
    }
}

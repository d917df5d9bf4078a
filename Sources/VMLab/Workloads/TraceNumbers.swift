/// What the numbers of a page list or CSV column mean.
///
/// ```swift
/// TraceNumbers.pageNumbers(pageSize: 4096)   // "3" means address 0x3000
/// TraceNumbers.addresses                     // "0x3000" means address 0x3000
/// ```
public enum TraceNumbers: Sendable, Equatable {
    /// Each number is a virtual page number; the access is at `number × pageSize`.
    case pageNumbers(pageSize: UInt64)
    /// Each number is a virtual address.
    case addresses

    /// Page numbers of 4 KiB pages, the usual textbook reference string.
    public static let pages = TraceNumbers.pageNumbers(pageSize: 4096)

    /// The address a number stands for; nil if `number × pageSize` overflows 64 bits.
    public func address(of number: UInt64) -> UInt64? {
        switch self {
        case .addresses:
            return number
        case let .pageNumbers(pageSize):
            let (product, overflow) = number.multipliedReportingOverflow(by: pageSize)
            return overflow ? nil : product
        }
    }

    func validate() throws {
        if case let .pageNumbers(pageSize) = self, pageSize == 0 {
            throw TraceError.invalidOption(name: "page_size", message: "expected a page size > 0")
        }
    }
}

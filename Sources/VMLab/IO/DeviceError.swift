/// What a device operation reports instead of a result (a script error, not a DMA fault: DMA
/// faults are recorded in `Device.faults` and returned, never thrown).
public enum DeviceError: Error, Equatable, CustomStringConvertible {
    /// The device was closed (`Device.close`): it has no I/O page table any more.
    case closed(device: String)
    /// A bad argument: an unaligned address, a size beyond the machine, a buffer that is not pinned.
    case invalid(device: String, call: String, message: String)
    /// The IOVA range (or part of it) is mapped already.
    case alreadyMapped(device: String, iova: UInt64)
    /// `unmap` over a page that is not mapped.
    case notMapped(device: String, iova: UInt64)
    /// The hardware or the kernel refused (out of memory for a table page, a SIGSEGV while
    /// faulting a buffer in…).
    case failed(device: String, call: String, message: String)

    /// `device 'nic': map: iova 0x1234 is not aligned to 4 KiB`.
    public var description: String {
        switch self {
        case let .closed(device): return "device '\(device)' is closed"
        case let .invalid(device, call, message): return "device '\(device)': \(call): \(message)"
        case let .alreadyMapped(device, iova):
            return "device '\(device)': map: iova \(Units.hex(iova)) is already mapped (unmap it first)"
        case let .notMapped(device, iova): return "device '\(device)': unmap: iova \(Units.hex(iova)) is not mapped"
        case let .failed(device, call, message): return "device '\(device)': \(call): \(message)"
        }
    }
}

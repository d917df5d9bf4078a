/// Every error the model reports. Descriptions are full sentences that read well as Lua error
/// messages: they say what went wrong and where (addresses in hex, sizes with units).
public enum VMError: Error, Equatable, CustomStringConvertible {
    /// A paging-mode name that does not exist; `suggestion` is the closest known name.
    case unknownMode(name: String, suggestion: String?)
    /// A custom paging mode whose parameters do not fit together.
    case invalidMode(reason: String)
    /// Memory size that is zero, too large, or not a multiple of the page size.
    case invalidMemorySize(bytes: UInt64, pageBytes: UInt64)
    /// A virtual address outside the mode's canonical range.
    case nonCanonical(va: UInt64, mode: String, rule: String)
    /// A physical address (plus access width) beyond the end of memory.
    case physicalAddressBeyondMemory(pa: UInt64, width: UInt64, memoryBytes: UInt64)
    /// A physical address that the mode's PTE format cannot hold.
    case physicalAddressNotEncodable(pa: UInt64, mode: String, bits: Int)
    /// Access width other than 1, 2, 4 or 8 bytes.
    case invalidWidth(Int)
    /// An address that must be aligned to `alignment` is not.
    case unaligned(what: String, address: UInt64, alignment: UInt64)
    /// A page size the mode cannot map as a leaf.
    case unsupportedPageSize(bytes: UInt64, mode: String, supported: [UInt64])
    /// Mapping over an existing mapping.
    case overlap(va: UInt64, existingVA: UInt64, existingPageBytes: UInt64)
    /// Mapping a huge page over a region that already has smaller pages (a table) under it.
    case overlapsTable(va: UInt64, pageBytes: UInt64)
    /// Unmap or protect would cut a huge page in two.
    case splitsHugePage(va: UInt64, pageVA: UInt64, pageBytes: UInt64)
    /// No free block of the requested size; `purpose` says what it was for.
    case outOfMemory(purpose: String, bytes: UInt64)
    /// `free` of a block that is not allocated (double free) or is not a block start.
    case badFree(frame: UInt64, order: Int, reason: String)
    /// Allocation order outside 0...maxOrder.
    case invalidOrder(order: Int, maxOrder: Int)
    /// A frame number beyond memory.
    case frameBeyondMemory(frame: UInt64, frameCount: UInt64)
    /// Use of an address space after `PageTable.release()`.
    case released
    /// A software TLB refill handler failed or returned without installing the missing entry.
    case refillHandlerFailed(message: String)
    /// A helper program (Graphviz's `dot`) is missing or failed; `debianPackage` installs it.
    case externalProgram(program: String, debianPackage: String, message: String)
    /// A length that must be a positive multiple of something is not.
    case invalidLength(what: String, bytes: UInt64, multipleOf: UInt64)
    /// A TLB, page-walk-cache or CPU configuration that cannot be built; `what` names the part
    /// (e.g. `TLB 'L1d'`), `reason` says why.
    case invalidConfiguration(what: String, reason: String)
    /// A replacement-policy name of a TLB that does not exist.
    case unknownReplacement(name: String, suggestion: String?)
    /// A TLB kind name that does not exist.
    case unknownTLBKind(name: String)
    /// A CPU index outside `0..<count`.
    case cpuOutOfRange(index: Int, count: Int)
    /// An access on a CPU that runs no address space.
    case noAddressSpace(cpu: Int)
    /// A TLB structure name that does not exist.
    case unknownTLB(name: String, known: [String])

    /// The message, a sentence that reads well as a Lua error.
    public var description: String {
        switch self {
        case let .unknownMode(name, suggestion):
            let known = PagingMode.presetNames.joined(separator: ", ")
            if let suggestion { return "unknown paging mode '\(name)' (did you mean '\(suggestion)'?)" }
            return "unknown paging mode '\(name)' (known modes: \(known), custom)"
        case let .invalidMode(reason):
            return "invalid custom paging mode: \(reason)"
        case let .invalidMemorySize(bytes, pageBytes):
            if bytes == 0 { return "memory size must be at least one page (\(Units.size(pageBytes)))" }
            return "memory size \(Units.size(bytes)) (\(bytes) bytes) is not a multiple of the page size (\(Units.size(pageBytes)))"
        case let .nonCanonical(va, mode, rule):
            return "address \(Units.hex(va)) is not canonical for \(mode) (\(rule))"
        case let .physicalAddressBeyondMemory(pa, width, memoryBytes):
            if pa < memoryBytes {
                return "access of \(width) bytes at physical address \(Units.hex(pa)) crosses the end of memory (\(Units.size(memoryBytes)))"
            }
            return "physical address \(Units.hex(pa)) is beyond memory (\(Units.size(memoryBytes)))"
        case let .physicalAddressNotEncodable(pa, mode, bits):
            return "physical address \(Units.hex(pa)) does not fit in a \(mode) PTE (\(bits)-bit physical addresses)"
        case let .invalidWidth(width):
            return "access width \(width) is not 1, 2, 4 or 8 bytes"
        case let .unaligned(what, address, alignment):
            return "\(what) at \(Units.hex(address)) is not aligned to \(Units.size(alignment))"
        case let .unsupportedPageSize(bytes, mode, supported):
            let list = supported.map(Units.size).joined(separator: ", ")
            return "page size \(Units.size(bytes)) is not supported by \(mode) (supported: \(list))"
        case let .overlap(va, existingVA, existingPageBytes):
            return "cannot map \(Units.hex(va)): it overlaps the existing \(Units.size(existingPageBytes)) mapping at \(Units.hex(existingVA))"
        case let .overlapsTable(va, pageBytes):
            return "cannot map a \(Units.size(pageBytes)) page at \(Units.hex(va)): smaller pages are already mapped inside it"
        case let .splitsHugePage(va, pageVA, pageBytes):
            return "range starting or ending at \(Units.hex(va)) would split the \(Units.size(pageBytes)) page at \(Units.hex(pageVA))"
        case let .outOfMemory(purpose, bytes):
            return "out of physical memory: no free \(Units.size(bytes)) block for \(purpose)"
        case let .badFree(frame, order, reason):
            return "cannot free frame \(Units.hex(frame)) (order \(order)): \(reason)"
        case let .invalidOrder(order, maxOrder):
            return "allocation order \(order) is outside 0...\(maxOrder)"
        case let .frameBeyondMemory(frame, frameCount):
            return "frame \(Units.hex(frame)) is beyond memory (\(frameCount) frames)"
        case .released:
            return "the address space has been released (its page tables are freed)"
        case let .refillHandlerFailed(message):
            return message
        case let .externalProgram(program, package, message):
            return "\(program): \(message) (Debian package \(package))"
        case let .invalidLength(what, bytes, multipleOf):
            return "\(what) of \(bytes) bytes is not a positive multiple of \(Units.size(multipleOf))"
        case let .invalidConfiguration(what, reason):
            return "invalid \(what): \(reason)"
        case let .unknownReplacement(name, suggestion):
            if let suggestion { return "unknown TLB replacement '\(name)' (did you mean '\(suggestion)'?)" }
            return "unknown TLB replacement '\(name)' (known: \(TLBReplacement.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .unknownTLBKind(name):
            return "unknown TLB kind '\(name)' (known: instruction, data, unified)"
        case let .cpuOutOfRange(index, count):
            return "CPU \(index) does not exist (the machine has CPUs 0...\(count - 1))"
        case let .noAddressSpace(cpu):
            return "CPU \(cpu) runs no address space (switch to one first)"
        case let .unknownTLB(name, known):
            return "no TLB named '\(name)' (known: \(known.joined(separator: ", ")))"
        }
    }
}

/// Why a relocated access failed: what a base/limit or segmentation MMU checks.
public enum SegmentFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offset is at or beyond the segment's limit.
    case beyondLimit(segment: String, offset: UInt64, limit: UInt64)
    /// The access is not allowed by the segment's protection.
    case protection(segment: String, access: AccessKind, protection: String)
    /// The program has no segment of that name.
    case noSegment(name: String, known: [String])

    public var description: String {
        switch self {
        case let .beyondLimit(segment, offset, limit):
            return "segment fault: offset \(Units.hex(offset)) is beyond the limit \(Units.hex(limit)) of segment '\(segment)'"
        case let .protection(segment, access, protection):
            return "segment fault: \(access) not allowed in segment '\(segment)' (\(protection))"
        case let .noSegment(name, known):
            return "segment fault: no segment '\(name)' (the program has \(known.joined(separator: ", ")))"
        }
    }

    /// A short reason for tables: `"beyond limit"`, `"protection"`, `"no segment"`.
    public var reason: String {
        switch self {
        case .beyondLimit: "beyond limit"
        case .protection: "protection"
        case .noSegment: "no segment"
        }
    }
}

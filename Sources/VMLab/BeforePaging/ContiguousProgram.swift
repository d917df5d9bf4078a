/// A program loaded into contiguous memory: one segment (`"all"`) or several (segmentation),
/// each at its own base with its own limit and protection. Addresses are offsets into a
/// segment, relocated by hardware as `base + offset` after the limit check.
public final class ContiguousProgram {
    public let name: String
    /// Its segments, in the order they were given.
    public internal(set) var segments: [Segment]
    /// False once unloaded: its memory went back to the free list.
    public internal(set) var isLoaded = true
    unowned let owner: ContiguousMemory

    init(name: String, segments: [Segment], owner: ContiguousMemory) {
        self.name = name
        self.segments = segments
        self.owner = owner
    }

    /// Total bytes of its segments.
    public var bytes: UInt64 { segments.reduce(0) { $0 + $1.limit } }

    /// The physical address of `offset` in `segment` (default: the first) for an access, as a
    /// base/limit MMU computes it: limit check, protection check, then base + offset (a
    /// grows-down segment counts offsets down from its top).
    public func translate(_ offset: UInt64, segment: String? = nil, access: AccessKind = .read) throws -> UInt64 {
        guard isLoaded else { throw ContiguousError.unloaded(name) }
        let s = try find(segment)
        guard offset < s.limit else { throw SegmentFault.beyondLimit(segment: s.name, offset: offset, limit: s.limit) }
        let allowed = switch access { case .read: s.readable; case .write: s.writable; case .execute: s.executable }
        guard allowed else { throw SegmentFault.protection(segment: s.name, access: access, protection: s.protectionText) }
        return s.base + (s.growsDown ? s.limit - 1 - offset : offset)
    }

    /// Reads a little-endian value of `width` bytes at `offset` of `segment`.
    public func read(_ offset: UInt64, width: Int = 8, segment: String? = nil) throws -> UInt64 {
        try checkSpan(offset, width, segment)
        return try owner.memory.read(try translate(offset, segment: segment, access: .read), width: width)
    }

    /// Writes a little-endian value of `width` bytes at `offset` of `segment`.
    public func write(_ offset: UInt64, _ value: UInt64, width: Int = 8, segment: String? = nil) throws {
        try checkSpan(offset, width, segment)
        try owner.memory.write(try translate(offset, segment: segment, access: .write), value, width: width)
    }

    /// The segment called `name`, or the first when nil.
    public func find(_ name: String?) throws -> Segment {
        guard let name else { return segments[0] }
        guard let s = segments.first(where: { $0.name == name }) else {
            throw SegmentFault.noSegment(name: name, known: segments.map(\.name))
        }
        return s
    }

    /// A multi-byte access must fit in the segment (and, growing down, is not supported).
    func checkSpan(_ offset: UInt64, _ width: Int, _ segment: String?) throws {
        let s = try find(segment)
        guard width > 0, offset < s.limit, s.limit - offset >= UInt64(width) else {
            throw SegmentFault.beyondLimit(segment: s.name, offset: offset &+ UInt64(max(0, width)) &- 1, limit: s.limit)
        }
        if s.growsDown && width > 1 {
            throw SegmentFault.protection(segment: s.name, access: .read, protection: "grows down: byte accesses only")
        }
    }
}

/// A virtual memory area (Linux's `vm_area_struct`): a page-aligned range `[start, end)` of a
/// process's address space with one protection and one set of flags, and what backs it
/// (anonymous memory, or a `MemoryObject`: a file or shared anonymous memory, from `offset`).
public struct VMA: Sendable, Equatable {
    /// First address (page aligned).
    public var start: UInt64
    /// One past the last address (page aligned, > start).
    public var end: UInt64
    /// Read / write / execute.
    public var protection: Protection
    /// Anonymous, shared, stack, guard, locked, huge, reserved, heap.
    public var flags: VMAFlags
    /// The file or shared-memory object behind the area (nil for private anonymous memory).
    public var object: MemoryObject?
    /// Byte offset in `object` of `start`.
    public var offset: UInt64 = 0
    /// For a stack: the lowest address it may grow down to (the guard page lies just below).
    public var growthLimit: UInt64 = 0

    /// An area; `object` nil means private anonymous memory.
    public init(start: UInt64, end: UInt64, protection: Protection, flags: VMAFlags,
                object: MemoryObject? = nil, offset: UInt64 = 0) {
        self.start = start; self.end = end; self.protection = protection; self.flags = flags
        self.object = object; self.offset = offset
    }

    /// Bytes covered.
    public var length: UInt64 { end - start }

    /// True when `va` is inside.
    public func contains(_ va: UInt64) -> Bool { va >= start && va < end }

    /// True for MAP_SHARED areas.
    public var isShared: Bool { flags.contains(.shared) }

    /// The lowest address this area occupies in the address-space layout: its start, or for a
    /// stack the bottom of the guard page below its growth limit (nothing else may go there).
    public func layoutStart(pageBytes: UInt64) -> UInt64 {
        flags.contains(.stack) ? growthLimit &- pageBytes : start
    }

    /// The part `[from, to)` of this area (clamped), with the object offset moved along.
    public func slice(_ from: UInt64, _ to: UInt64) -> VMA {
        var copy = self
        copy.start = max(start, from)
        copy.end = min(end, to)
        if object != nil { copy.offset = offset + (copy.start - start) }
        return copy
    }

    /// The name /proc/PID/maps shows: `[heap]`, `[stack]`, the file's name, or empty.
    public var label: String {
        if flags.contains(.heap) { return "[heap]" }
        if flags.contains(.stack) { return "[stack]" }
        if flags.contains(.guardRegion) { return "[guard]" }
        if let object, !object.isAnonymous { return object.name }
        if object != nil { return "/dev/zero (deleted)" }
        return ""
    }

    /// True when two adjacent areas could be one (same everything, contiguous offsets).
    func canMerge(with next: VMA) -> Bool {
        end == next.start && protection == next.protection && flags == next.flags
            && object === next.object && (object == nil || offset + length == next.offset)
            && !flags.contains(.stack)
    }

    /// Same range, protection, flags, offset and growth limit, backed by the same object.
    public static func == (a: VMA, b: VMA) -> Bool {
        a.start == b.start && a.end == b.end && a.protection == b.protection && a.flags == b.flags
            && a.object === b.object && a.offset == b.offset && a.growthLimit == b.growthLimit
    }
}

/// Memory management before paging: every program (or every segment of a program) occupies one
/// contiguous range of physical memory, found in the free list by a `FitPolicy`. Free ranges
/// between programs are **holes**; when no single hole is large enough the load fails even if
/// enough memory is free in all — external fragmentation — until `compact()` slides every
/// program down to close the holes (copying its contents: the price of compaction).
///
/// ```swift
/// let c = try ContiguousMemory(bytes: 8 << 20, fit: .first)
/// _ = try c.load(name: "A", bytes: 1 << 20); let b = try c.load(name: "B", bytes: 2 << 20)
/// _ = try c.load(name: "C", bytes: 1 << 20); try c.unload(b)
/// _ = try c.load(name: "D", bytes: 3 << 20)      // goes after C: the 2 MiB hole is too small
/// _ = try? c.load(name: "E", bytes: 3 << 20)     // fails: 3 MiB free, largest hole 2 MiB
/// c.compact(); _ = try c.load(name: "E", bytes: 3 << 20)   // fits now
/// ```
public final class ContiguousMemory {
    /// The physical memory holding the programs' contents.
    public let memory: PhysicalMemory
    /// How holes are chosen; may change at any time.
    public var fit: FitPolicy
    /// Loaded programs, in load order.
    public private(set) var programs: [ContiguousProgram] = []
    /// Counters.
    public private(set) var stats = ContiguousStats()
    /// Where the next-fit search starts: the end of the last allocation.
    var cursor: UInt64 = 0

    public init(bytes: UInt64, fit: FitPolicy = .first) throws(ContiguousError) {
        guard bytes > 0, bytes <= PhysicalMemory.maximumBytes else { throw .badMemory(bytes) }
        do { memory = try PhysicalMemory(bytes: bytes, frameBytes: 1) } catch { throw .badMemory(bytes) }
        self.fit = fit
    }

    /// Every loaded segment with its program, by base address.
    public var pieces: [(program: ContiguousProgram, segment: Segment)] {
        programs.flatMap { p in p.segments.map { (p, $0) } }.sorted { $0.segment.base < $1.segment.base }
    }

    /// The free ranges between pieces, by address.
    public func holes() -> [(base: UInt64, bytes: UInt64)] {
        var out: [(base: UInt64, bytes: UInt64)] = []
        var at: UInt64 = 0
        for piece in pieces {
            if piece.segment.base > at { out.append((at, piece.segment.base - at)) }
            at = piece.segment.base + piece.segment.limit
        }
        if at < memory.bytes { out.append((at, memory.bytes - at)) }
        return out
    }

    /// Bytes free in all holes.
    public var freeBytes: UInt64 { holes().reduce(0) { $0 + $1.bytes } }
    /// The largest hole.
    public var largestHole: UInt64 { holes().map(\.bytes).max() ?? 0 }

    /// Loads a program of `bytes` in one piece (segment `"all"`, read/write/execute).
    public func load(name: String, bytes: UInt64) throws(ContiguousError) -> ContiguousProgram {
        try load(name: name, segments: [Segment(name: "all", limit: bytes)])
    }

    /// Loads a program made of `segments` (their sizes in `limit`), each in its own hole chosen
    /// by `fit`, in order. All or nothing: if one segment finds no hole, nothing stays loaded.
    public func load(name: String, segments: [Segment]) throws(ContiguousError) -> ContiguousProgram {
        guard !programs.contains(where: { $0.name == name }) else { throw .duplicateName(name) }
        guard !segments.isEmpty else { throw .badSize("a program needs at least one segment") }
        guard Set(segments.map(\.name)).count == segments.count else { throw .badSize("program '\(name)' names a segment twice") }
        if let empty = segments.first(where: { $0.limit == 0 }) { throw .badSize("segment '\(empty.name)' of '\(name)' has no bytes") }
        let program = ContiguousProgram(name: name, segments: [], owner: self)
        programs.append(program)
        for var segment in segments {
            guard let base = place(segment.limit) else {
                let total = segments.reduce(UInt64(0)) { $0 &+ $1.limit }
                programs.removeLast()
                let holes = holes()
                stats.failures += 1
                throw .outOfMemory(name: name, bytes: total, free: holes.reduce(0) { $0 + $1.bytes },
                                   holes: holes.count, largest: holes.map(\.bytes).max() ?? 0)
            }
            segment.base = base
            program.segments.append(segment)
            cursor = base + segment.limit
            try? memory.zero(base, length: segment.limit)   // a fresh program starts from zeros
        }
        stats.loads += 1
        return program
    }

    /// Frees a program's memory; its ranges join the holes around them.
    public func unload(_ program: ContiguousProgram) throws(ContiguousError) {
        guard program.isLoaded, let i = programs.firstIndex(where: { $0 === program }) else { throw .unloaded(program.name) }
        programs.remove(at: i)
        program.isLoaded = false
        stats.unloads += 1
    }

    /// Slides every piece down, in address order, so that all free memory becomes one hole at
    /// the top; contents move with their pieces and bases are updated (offsets stay valid —
    /// relocation is why compaction is possible at all). Returns the bytes moved.
    @discardableResult
    public func compact() -> UInt64 {
        var at: UInt64 = 0, moved: UInt64 = 0
        for piece in pieces {
            let segment = piece.segment
            if segment.base != at {
                try? memory.move(from: segment.base, to: at, length: segment.limit)
                moved += segment.limit
                if let k = piece.program.segments.firstIndex(where: { $0.name == segment.name }) {
                    piece.program.segments[k].base = at
                }
            }
            at += segment.limit
        }
        cursor = at
        stats.compactions += 1
        stats.bytesMoved += moved
        return moved
    }

    /// The base of the hole `fit` picks for `bytes`, or nil.
    func place(_ bytes: UInt64) -> UInt64? {
        let holes = holes().filter { $0.bytes >= bytes }
        switch fit {
        case .first: return holes.first?.base
        case .best: return holes.min { $0.bytes < $1.bytes || ($0.bytes == $1.bytes && $0.base < $1.base) }?.base
        case .worst: return holes.max { $0.bytes < $1.bytes || ($0.bytes == $1.bytes && $0.base > $1.base) }?.base
        case .next:
            // From the cursor: a hole containing it (from the cursor on, if that part fits) or after it; then wrap.
            for hole in holes where hole.base + hole.bytes > cursor {
                let start = max(hole.base, cursor)
                if hole.base + hole.bytes - start >= bytes { return start }
            }
            return holes.first?.base
        }
    }

    /// A picture of memory, one line per piece or hole, low addresses first:
    /// `0x000000  A      all   1 MiB  rwx`.
    public func map() -> String {
        var rows: [(UInt64, String)] = holes().map { ($0.base, "(free)        \(Units.size($0.bytes))") }
        for piece in pieces {
            let label = piece.program.name.padding(6) + " " + piece.segment.name.padding(6)
            rows.append((piece.segment.base, "\(label) \(Units.size(piece.segment.limit))  \(piece.segment.protectionText)"))
        }
        let digits = String(memory.bytes, radix: 16).count
        return rows.sorted { $0.0 < $1.0 }.map { row in
            let hex = String(row.0, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, digits - hex.count)) + hex + "  " + row.1
        }.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces to `width` characters (never cut).
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

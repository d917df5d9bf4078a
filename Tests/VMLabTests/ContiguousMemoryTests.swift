import Testing
@testable import VMLab

/// Memory before paging: contiguous allocation, fits, fragmentation, compaction, segmentation.
@Suite struct ContiguousMemoryTests {
    static let mib: UInt64 = 1 << 20

    /// The seeds' example: 8 MiB; A 1 MiB, B 2 MiB, C 1 MiB; free B; D 3 MiB; E 3 MiB fails
    /// with 3 MiB free in two holes; after compaction it fits.
    @Test func theSeedsFragmentationExample() throws {
        let c = try ContiguousMemory(bytes: 8 * Self.mib, fit: .first)
        let a = try c.load(name: "A", bytes: Self.mib)
        let b = try c.load(name: "B", bytes: 2 * Self.mib)
        let cc = try c.load(name: "C", bytes: Self.mib)
        try c.unload(b)
        let d = try c.load(name: "D", bytes: 3 * Self.mib)
        #expect(a.segments[0].base == 0 && cc.segments[0].base == 3 * Self.mib && d.segments[0].base == 4 * Self.mib,
                "D skips the 2 MiB hole and goes after C")
        #expect(c.freeBytes == 3 * Self.mib && c.holes().count == 2 && c.largestHole == 2 * Self.mib)
        #expect(throws: ContiguousError.outOfMemory(name: "E", bytes: 3 * Self.mib, free: 3 * Self.mib, holes: 2, largest: 2 * Self.mib)) {
            _ = try c.load(name: "E", bytes: 3 * Self.mib)
        }
        try d.write(0x1234, 0xfeed)
        try cc.write(8, 42)
        #expect(c.compact() == 4 * Self.mib, "C (1 MiB) and D (3 MiB) slide down")
        #expect(c.holes().count == 1 && c.largestHole == 3 * Self.mib)
        #expect(try d.read(0x1234) == 0xfeed, "contents move with their programs")
        #expect(try cc.read(8) == 42)
        #expect(try c.load(name: "E", bytes: 3 * Self.mib).segments[0].base == 5 * Self.mib)
        #expect(c.stats.failures == 1 && c.stats.compactions == 1 && c.stats.bytesMoved == 4 * Self.mib)
    }

    /// Holes of 3, 1, 5 and 2 units (the rest filled); a 2-unit request under each fit.
    @Test func fitsChooseTheDocumentedHole() throws {
        func layout(_ fit: FitPolicy) throws -> ContiguousMemory {
            let c = try ContiguousMemory(bytes: 16, fit: .first)
            var fill: [ContiguousProgram] = []
            for (i, size) in [3, 1, 1, 1, 5, 1, 2, 2].enumerated() { fill.append(try c.load(name: "p\(i)", bytes: UInt64(size))) }
            for i in [0, 2, 4, 6] { try c.unload(fill[i]) }   // holes: 0..3 (3), 4..5 (1), 6..11 (5), 12..14 (2)
            c.fit = fit
            return c
        }
        #expect(try layout(.first).load(name: "x", bytes: 2).segments[0].base == 0)
        #expect(try layout(.best).load(name: "x", bytes: 2).segments[0].base == 12)
        #expect(try layout(.worst).load(name: "x", bytes: 2).segments[0].base == 6)
        let next = try layout(.next)
        _ = try next.load(name: "y", bytes: 5)                  // cursor after it: 11
        #expect(try next.load(name: "x", bytes: 1).segments[0].base == 12, "next fit goes on from the last allocation")
        #expect(try next.load(name: "z", bytes: 3).segments[0].base == 0, "and wraps around")
    }

    @Test func baseLimitAndSegmentationFaults() throws {
        let c = try ContiguousMemory(bytes: Self.mib, fit: .first)
        _ = try c.load(name: "filler", bytes: 0x1000)
        let p = try c.load(name: "P", segments: [
            Segment(name: "code", limit: 0x4000, writable: false),
            Segment(name: "data", limit: 0x2000, executable: false),
            Segment(name: "stack", limit: 0x1000, executable: false, growsDown: true),
        ])
        #expect(try p.translate(0x10, segment: "code", access: .execute) == 0x1010, "relocation: base + offset")
        #expect(try p.translate(0, segment: "stack", access: .write) == p.segments[2].base + 0xfff, "a stack grows down")
        #expect(throws: SegmentFault.beyondLimit(segment: "data", offset: 0x2000, limit: 0x2000)) {
            _ = try p.translate(0x2000, segment: "data")
        }
        #expect(throws: SegmentFault.protection(segment: "code", access: .write, protection: "r-x")) {
            try p.write(0, 1, segment: "code")
        }
        #expect(throws: SegmentFault.self) { _ = try p.translate(0, segment: "heap") }
        #expect(throws: ContiguousError.self) { _ = try c.load(name: "Q", segments: [Segment(name: "a", limit: 0x1000), Segment(name: "b", limit: 2 * Self.mib)]) }
        #expect(!c.programs.contains { $0.name == "Q" } && c.freeBytes == Self.mib - 0x8000, "all or nothing")
        try c.unload(p)
        #expect(throws: ContiguousError.unloaded("P")) { _ = try p.read(0) }
    }
}

import Testing
@testable import VMLab

/// The MMU's x86 walker (`walkX86ForMMU`, behind `resolveForMMU`) against the general walker
/// (`resolve`): on twin machines built alike, every access gives the same translation or fault,
/// the same scratch for the TLB and page-walk caches, the same Accessed/Dirty bits and the same
/// counters — over random 4 KiB and 2 MiB mappings with random rights, entries with flipped bits
/// (present, RW, US, PS, XD, A, D), random access kinds and privileges, non-canonical and
/// unmapped addresses, and walks started below the root as a page-walk-cache hit starts them.
@Suite struct MMUWalkPropertyTests {
    static let bits: [UInt64] = [1 << 0, 1 << 1, 1 << 2, 1 << 5, 1 << 6, 1 << 7, 1 << 63]

    /// A machine of `mode` with a space holding 200 random mappings, 24 of whose entries (at
    /// random levels) have one bit flipped; the same `seed` builds the same machine.
    static func build(_ mode: PagingMode, seed: UInt64) throws -> (Machine, PageTable, [UInt64]) {
        let m = try Machine(memoryBytes: 64 << 20, mode: mode)
        let s = try m.makePageTable()
        var rng = SeededGenerator(seed: seed)
        var vas: [UInt64] = []
        for _ in 0..<200 {
            let huge = rng.next(below: 8) == 0
            let va = (rng.next(below: 64) << 21) + (huge ? 0 : rng.next(below: 512) << 12)
            let flags = MapFlags(writable: rng.next(below: 2) == 0, user: rng.next(below: 4) != 0,
                                 executable: rng.next(below: 2) == 0, global: rng.next(below: 8) == 0)
            if (try? s.mapFresh(va, pageBytes: huge ? 2 << 20 : 4096, flags: flags)) != nil { vas.append(va) }
        }
        for _ in 0..<24 {
            let va = vas[Int(rng.next(below: UInt64(vas.count)))]
            let level = Int(rng.next(below: UInt64(mode.levels)))
            let bit = bits[Int(rng.next(below: UInt64(bits.count)))]
            guard let slot = try? s.walk(va, level: level, create: false) else { continue }
            try s.writeEntry(slot, try s.readEntry(slot) ^ bit)
        }
        return (m, s, vas)
    }

    @Test(arguments: [PagingMode.x86_64, .x86_64_la57, .x86_pae])
    func theX86WalkerAgreesWithTheGeneralOne(mode: PagingMode) throws {
        for seed in UInt64(1)...(TestScale.isLong ? 40 : 6) {
            let (fastMachine, fast, vas) = try Self.build(mode, seed: seed)
            let (generalMachine, general, _) = try Self.build(mode, seed: seed)
            // A third twin shows where a walk passes (tables are at the same addresses in all three).
            let (_, probe, _) = try Self.build(mode, seed: seed)
            #expect(fast.isX86Wide)
            let fastScratch = MMUWalkScratch(levels: mode.levels), generalScratch = MMUWalkScratch(levels: mode.levels)
            let probeScratch = MMUWalkScratch(levels: mode.levels)
            defer { fastScratch.release(); generalScratch.release(); probeScratch.release() }
            var rng = SeededGenerator(seed: seed &* 31)
            for step in 0..<(TestScale.isLong ? 20_000 : 2_000) {
                var va = vas[Int(rng.next(below: UInt64(vas.count)))] + rng.next(below: 2 << 20)
                if rng.next(below: 16) == 0 { va = rng.next(below: 2) == 0 ? 1 << 47 : rng.next(below: 1 << 30) }
                let kind = [AccessKind.read, .write, .execute][Int(rng.next(below: 3))]
                let privilege: Privilege = rng.next(below: 4) == 0 ? .supervisor : .user
                // From the root, or below it as after a page-walk-cache hit: the table and rights
                // a general walk of the same address passed.
                var start = 0, table = fast.root, inherited = WalkPermissions.root
                if rng.next(below: 2) == 0 {
                    let walked = probe.resolve(va, .read, .supervisor, scratch: probeScratch, steps: nil)
                    if walked.level > 0 {
                        let level = Int(rng.next(below: UInt64(walked.level)))
                        start = level + 1
                        table = probeScratch.tables[level]
                        inherited = probeScratch.permissions[level]
                    }
                }
                let a = fast.resolveForMMU(va, kind, privilege, start: start, table: table, inherited: inherited,
                                           scratch: fastScratch, pkru: 0)
                let b = general.resolve(va, kind, privilege, start: start, table: table, inherited: inherited,
                                        scratch: generalScratch, pkru: 0, steps: nil)
                let what = "\(mode.name) seed \(seed) step \(step): \(kind) \(privilege) at \(Units.hex(va)) from level \(start)"
                #expect(a == b, "\(what)")
                #expect(fastMachine.counters.values == generalMachine.counters.values, "\(what): counters")
                if a.fault == nil && b.fault == nil {
                    #expect(fastScratch.leafFlags.pointee == generalScratch.leafFlags.pointee, "\(what): leaf flags")
                    for level in start..<a.level {
                        #expect(fastScratch.tables[level] == generalScratch.tables[level]
                                && fastScratch.permissions[level] == generalScratch.permissions[level], "\(what): level \(level)")
                    }
                }
            }
            // The Accessed and Dirty bits the walks set are the same everywhere.
            for va in vas {
                for level in 0..<mode.levels {
                    let x = try? fast.walk(va, level: level, create: false), y = try? general.walk(va, level: level, create: false)
                    guard let xs = x, let ys = y else { continue }
                    #expect(try fast.readEntry(xs) == general.readEntry(ys), "\(mode.name) seed \(seed): entry of \(Units.hex(va)) level \(level)")
                }
            }
        }
    }
}

import Testing
@testable import VMLab

/// ASLR and KASLR (issue 11, item 5): seeded random bases per process, a random kernel slot.
/// Every test ends with `Kernel.check()` finding nothing wrong.
@Suite struct KernelASLRTests {
    /// A machine with ASLR configured (`configuration` nil: the mode's defaults).
    static func kernel(seed: UInt64, mode: PagingMode = .x86_64, memory: UInt64 = 64 << 20,
                       _ configuration: ASLRConfiguration? = nil) throws -> (Machine, Kernel) {
        let m = try Machine(memoryBytes: memory, mode: mode, seed: seed)
        let k = try m.kernel
        try k.configureASLR(configuration ?? .defaults(for: mode))
        return (m, k)
    }

    static func expectConsistent(_ k: Kernel, sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = k.check()
        #expect(problems.isEmpty, "\(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    /// A small workload: a stack, an anonymous area, some heap, each touched; returns the maps text.
    static func populate(_ k: Kernel, _ p: Process) throws -> String {
        var stack = MmapRequest(length: 64 << 10)
        stack.stack = true
        let top = try k.mmap(p, stack) + (64 << 10)
        try k.write(p, top - 8, 1)
        let area = try k.mmap(p, MmapRequest(length: 1 << 20))
        try k.write(p, area, 2)
        let old = try k.sbrk(p, 3 * 4096)
        try k.write(p, old, 3)
        return k.maps(p)
    }

    @Test func sameSeedGivesSameLayoutAndMaps() throws {
        var runs: [[String]] = []
        for _ in 0..<2 {
            let (m, k) = try Self.kernel(seed: 99)
            var texts: [String] = []
            for i in 0..<5 {
                let p = try k.spawn("p\(i)")
                texts.append("\(p.layout)\n" + (try Self.populate(k, p)))
            }
            texts.append(Units.hex(k.kernelImageBase))
            Self.expectConsistent(k)
            withExtendedLifetime(m) {}
            runs.append(texts)
        }
        #expect(runs[0] == runs[1])
        #expect(Set(runs[0].dropLast()).count == 5, "five processes, five layouts")
    }

    @Test func differentSeedsPlaceStackMmapBrkAndCodeDifferently() throws {
        var layouts: [AddressSpaceLayout] = []
        var kernels: Set<UInt64> = []
        for seed: UInt64 in 1...12 {
            let (m, k) = try Self.kernel(seed: seed)
            let p = try k.spawn("first")
            layouts.append(p.layout)
            kernels.insert(k.kernelImageBase)
            _ = try Self.populate(k, p)
            Self.expectConsistent(k)
            withExtendedLifetime(m) {}
        }
        #expect(Set(layouts.map(\.stackTop)).count == 12)
        #expect(Set(layouts.map(\.mmapBase)).count == 12)
        #expect(Set(layouts.map(\.codeBase)).count == 12)
        #expect(Set(layouts.map(\.brkStart)).count >= 11, "13 bits: a collision among 12 is possible but rare")
        #expect(kernels.count >= 10, "9 bits of KASLR over 12 seeds")
    }

    /// 200 processes in each mode: bases aligned, ordered, inside user space, within 2^bits pages
    /// of their fixed position, spread over many values; the areas land where the layout says.
    @Test(arguments: [PagingMode.x86_64, .x86_32, .sv39, .sv57])
    func basesRespectAlignmentUserSpaceAndEntropy(mode: PagingMode) throws {
        let (m, k) = try Self.kernel(seed: 5, mode: mode, memory: 32 << 20)
        defer { withExtendedLifetime(m) {} }
        let c = try #require(k.aslr)
        let page = k.pageBytes, top = k.userTop
        var stacks: Set<UInt64> = [], mmaps: Set<UInt64> = [], brks: Set<UInt64> = [], codes: Set<UInt64> = []
        for i in 0..<200 {
            let p = try k.spawn("p\(i)")
            let l = p.layout
            #expect(l.entropy == c)
            for base in [l.mmapBase, l.stackTop, l.brkStart, l.codeBase] { #expect(base % page == 0) }
            #expect(page <= l.codeBase && l.codeBase < l.brkStart && l.brkStart < l.mmapBase
                    && l.mmapBase < l.stackTop && l.stackTop <= top, "\(l)")
            #expect((top - l.stackTop) / page < UInt64(1) << UInt64(c.stack))
            #expect((l.brkStart - k.defaultBrkStart) / page < UInt64(1) << UInt64(c.brk))
            #expect((l.codeBase - top / 8) / page < UInt64(1) << UInt64(c.code))
            #expect(l.kernelBase == k.kernelImageBase)
            stacks.insert(l.stackTop); mmaps.insert(l.mmapBase); brks.insert(l.brkStart); codes.insert(l.codeBase)
            if i < 3 {
                _ = try Self.populate(k, p)
                let stack = try #require(p.vmas.last { $0.flags.contains(.stack) })
                #expect(stack.end == l.stackTop, "the first stack sits right under stack_top")
                let area = try #require(p.vmas.first { $0.length == 1 << 20 })
                #expect(area.end == l.mmapBase, "the first mmap area ends at mmap_base")
                #expect(p.vmas.first { $0.flags.contains(.heap) }?.start == l.brkStart)
            }
            if i >= 3 { k.exit(p) }
        }
        // 200 draws from 2^bits values: almost all distinct when bits is large.
        for (values, bits) in [(stacks, c.stack), (mmaps, c.mmap), (brks, c.brk), (codes, c.code)] {
            #expect(values.count >= min(190, (1 << bits) / 4), "\(values.count) distinct of 200 with \(bits) bits")
        }
        let slot = ASLRConfiguration.kernelSlotBytes(for: mode)
        #expect((k.kernelImageBase - k.kernelBase) % slot == 0)
        #expect((k.kernelImageBase - k.kernelBase) / slot < UInt64(1) << UInt64(c.kernel))
        Self.expectConsistent(k)
    }

    @Test func forkKeepsTheLayoutExecDrawsANewOne() throws {
        let (m, k) = try Self.kernel(seed: 3)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("parent")
        let maps = try Self.populate(k, p)
        let child = try k.fork(p)
        #expect(child.layout == p.layout)
        #expect(k.maps(child) == maps)
        let before = child.layout
        try k.exec(child, name: "other")
        #expect(child.layout != before)
        #expect(child.brkStart == child.layout.brkStart && child.brk == child.brkStart)
        #expect(child.layout.kernelBase == before.kernelBase, "KASLR is per machine")
        _ = try Self.populate(k, child)
        Self.expectConsistent(k)
    }

    @Test func kernelPageMovesAndStaysSupervisorOnly() throws {
        let (m, k) = try Self.kernel(seed: 11, ASLRConfiguration(stack: 0, mmap: 0, brk: 0, code: 0, kernel: 9))
        defer { withExtendedLifetime(m) {} }
        #expect(k.kernelImageBase != k.kernelBase, "seed 11 draws a slot other than 0")
        let p = try k.spawn("user")
        #expect(KernelTests.segvReason { _ = try k.read(p, k.kernelImageBase) } == .kernelAddress)
        let q = try k.spawn("other")
        #expect(q.layout.kernelBase == k.kernelImageBase)
        #expect(q.layout.stackTop == k.userTop && q.layout.mmapBase < k.userTop, "0 stack bits: top of user space")
        Self.expectConsistent(k)
    }

    @Test func withoutASLRTheLayoutIsTodays() throws {
        let m = try Machine(memoryBytes: 16 << 20)
        defer { withExtendedLifetime(m) {} }
        let k = try m.kernel
        let p = try k.spawn("plain")
        #expect(k.aslr == nil && k.kernelImageBase == k.kernelBase)
        #expect(p.layout == AddressSpaceLayout(mmapBase: k.userTop, stackTop: k.userTop, brkStart: k.userTop / 4,
                                               codeBase: k.userTop / 8, kernelBase: k.kernelBase,
                                               entropy: ASLRConfiguration(stack: 0, mmap: 0, brk: 0, code: 0, kernel: 0)))
        #expect(try k.mmap(p, MmapRequest(length: 1 << 20)) == k.userTop - (1 << 20))
        #expect(p.brkStart == k.userTop / 4)
        Self.expectConsistent(k)
    }

    @Test func badConfigurationIsAClearError() throws {
        let m = try Machine(memoryBytes: 16 << 20)
        defer { withExtendedLifetime(m) {} }
        let k = try m.kernel
        func errno(_ c: ASLRConfiguration?) -> String? {
            do { try k.configureASLR(c) } catch { return error.description }
            return nil
        }
        #expect(errno(ASLRConfiguration(stack: -1, mmap: 0, brk: 0, code: 0, kernel: 0))
                == "EINVAL: aslr: stack: -1 bits (must be 0 or more)")
        #expect(errno(ASLRConfiguration(stack: 0, mmap: 33, brk: 0, code: 0, kernel: 0))
                == "EINVAL: aslr: mmap: 33 bits is more than paging mode x86_64 allows (at most 32)")
        #expect(errno(ASLRConfiguration(stack: 0, mmap: 0, brk: 0, code: 0, kernel: 64))?.hasPrefix("EINVAL: aslr: kernel: 64 bits") == true)
        #expect(k.aslr == nil, "a refused configuration changes nothing")
        #expect(errno(.defaults(for: .x86_64)) == nil)
        _ = try k.spawn("first")
        #expect(errno(nil) == "EPERM: aslr: the layout can only be configured before the first process")
        #expect(k.aslr == .defaults(for: .x86_64))
        let tiny = try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)
        #expect(ASLRConfiguration.defaults(for: tiny) == ASLRConfiguration(stack: 7, mmap: 7, brk: 7, code: 7, kernel: 0))
        #expect(ASLRConfiguration(stack: 0, mmap: 0, brk: 0, code: 0, kernel: 1).problem(for: tiny) != nil,
                "a textbook mode has no kernel half to randomize")
        Self.expectConsistent(k)
    }

    @Test func tinyTextbookModeWorks() throws {
        let tiny = try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)
        let (m, k) = try Self.kernel(seed: 8, mode: tiny, memory: 1 << 12)
        defer { withExtendedLifetime(m) {} }
        let p = try k.spawn("tiny")
        let l = p.layout
        #expect(l.codeBase < l.brkStart && l.brkStart < l.mmapBase && l.mmapBase < l.stackTop && l.stackTop <= k.userTop)
        let a = try k.mmap(p, MmapRequest(length: 64))
        #expect(a + 64 == l.mmapBase)
        try k.write(p, a, 5, width: 1)
        Self.expectConsistent(k)
    }
}

/// A synthetic, seeded workload: `count` accesses over `pages` pages following a
/// `GeneratorPattern`. Same parameters and seed ⇒ the same sequence, every run.
///
/// Access `i` is at `baseAddress + page × pageSize` (the start of its page), `accessSize` bytes.
/// A fraction `writeFraction` of accesses are writes, chosen at random from a second generator
/// (seeded from `seed`), so changing the write mix never changes the pages visited.
/// Accesses are produced in batches straight into the caller's buffer (no allocation; only
/// `.zipf` with many pages and `.pointerChase` keep a table of `pages` entries).
///
/// ```swift
/// let t = try GeneratedTrace(.zipf(alpha: 0.9), pages: 1000, count: 1_000_000, seed: 42,
///                            writeFraction: 0.3)
/// let hot = try GeneratedTrace(.phases([WorkingSetPhase(pages: 20, length: 500),
///                                      WorkingSetPhase(pages: 80, length: 500)]),
///                              pages: 100, count: 10_000)
/// ```
public final class GeneratedTrace: Trace {
    /// The pattern.
    public let pattern: GeneratorPattern
    /// Number of distinct pages the pattern may touch.
    public let pages: Int
    /// Total accesses produced.
    public let count: Int
    /// The seed of the page choices (the write choices use a generator derived from it).
    public let seed: UInt64
    /// Fraction of writes, 0…1.
    public let writeFraction: Double
    /// Bytes per page.
    public let pageSize: UInt64
    /// Address of page 0.
    public let baseAddress: UInt64
    /// Size of every access in bytes.
    public let accessSize: UInt32

    private var produced = 0
    private var pageRNG: SeededGenerator
    private var kindRNG: SeededGenerator
    private let writeThreshold: UInt64
    private let zipf: ZipfSampler?
    private let chain: [UInt32]
    private var chaseCurrent = 0
    private var phaseIndex = 0
    private var phaseUsed = 0
    private var phaseStart = 0

    /// Throws `TraceError.invalidOption` for `pages < 1`, `count < 0`, `α ≤ 0`, a stride < 1, a
    /// working set outside `1...pages`, an empty phase list or a phase with pages or length < 1,
    /// a write fraction outside 0…1, `pageSize` 0, or pages that do not fit the address space.
    public init(
        _ pattern: GeneratorPattern, pages: Int, count: Int, seed: UInt64 = 0,
        writeFraction: Double = 0, pageSize: UInt64 = 4096, baseAddress: UInt64 = 0,
        accessSize: UInt32 = 8
    ) throws {
        func invalid(_ name: String, _ message: String) -> TraceError {
            .invalidOption(name: name, message: message)
        }
        guard pages >= 1 else { throw invalid("pages", "expected at least 1 page, got \(pages)") }
        guard count >= 0 else { throw invalid("n", "expected a number of accesses ≥ 0, got \(count)") }
        guard writeFraction >= 0 && writeFraction <= 1 else {
            throw invalid("writes", "expected a fraction of writes between 0 and 1, got \(writeFraction)")
        }
        guard pageSize >= 1 else { throw invalid("page_size", "expected a page size ≥ 1") }
        let (span, overflow1) = UInt64(pages).multipliedReportingOverflow(by: pageSize)
        let (_, overflow2) = baseAddress.addingReportingOverflow(span)
        guard !overflow1 && !overflow2 else {
            throw invalid("pages", "\(pages) pages of \(pageSize) bytes from 0x\(String(baseAddress, radix: 16)) exceed the 64-bit address space")
        }
        var zipf: ZipfSampler?
        var chain: [UInt32] = []
        switch pattern {
        case .sequential, .uniform:
            break
        case let .strided(stride):
            guard stride >= 1 else { throw invalid("stride", "expected a stride ≥ 1 page, got \(stride)") }
        case let .zipf(alpha):
            zipf = try ZipfSampler(count: pages, alpha: alpha)
        case let .loop(workingSet):
            guard workingSet >= 1 && workingSet <= pages else {
                throw invalid("working_set", "expected a working set of 1…\(pages) pages, got \(workingSet)")
            }
        case let .phases(phases):
            guard !phases.isEmpty else { throw invalid("phases", "expected at least one phase") }
            for (i, phase) in phases.enumerated() {
                guard phase.pages >= 1 && phase.pages <= pages else {
                    throw invalid("phases", "phase \(i + 1): expected 1…\(pages) pages, got \(phase.pages)")
                }
                guard phase.length >= 1 else {
                    throw invalid("phases", "phase \(i + 1): expected a length ≥ 1, got \(phase.length)")
                }
            }
        case .pointerChase:
            guard pages <= Int(UInt32.max) else {
                throw invalid("pages", "pointer chase supports at most \(UInt32.max) pages")
            }
        }
        self.pattern = pattern
        self.pages = pages
        self.count = count
        self.seed = seed
        self.writeFraction = writeFraction
        self.pageSize = pageSize
        self.baseAddress = baseAddress
        self.accessSize = accessSize
        self.zipf = zipf
        pageRNG = SeededGenerator(seed: seed)
        kindRNG = SeededGenerator(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        let scaled = writeFraction * 18_446_744_073_709_551_616.0
        writeThreshold = scaled >= 18_446_744_073_709_551_615.0 ? .max : UInt64(scaled)
        if case .pointerChase = pattern {
            // Sattolo's algorithm: a random permutation that is one single cycle.
            chain = (0..<pages).map { UInt32($0) }
            var rng = SeededGenerator(seed: seed ^ 0x2545_F491_4F6C_DD1D)
            var i = pages - 1
            while i > 0 {
                let j = Int(rng.next(below: UInt64(i)))
                chain.swapAt(i, j)
                i -= 1
            }
        }
        self.chain = chain
    }

    public func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int {
        let n = min(buffer.count, count - produced)
        guard n > 0, let out = buffer.baseAddress else { return 0 }
        let base = baseAddress
        let pageSize = pageSize
        let size = accessSize
        let pages = UInt64(self.pages)
        // Local copies: a class's stored property would pay an exclusivity check per access.
        var pageRNG = self.pageRNG
        defer { self.pageRNG = pageRNG }
        @inline(__always) func put(_ i: Int, _ page: UInt64) {
            out[i] = Access(.read, address: base &+ page &* pageSize, size: size)
        }
        switch pattern {
        case .sequential:
            var page = UInt64(produced) % pages
            for i in 0..<n {
                put(i, page)
                page += 1
                if page == pages { page = 0 }
            }
        case let .strided(stride):
            let step = UInt64(stride) % pages
            // (produced × stride) mod pages without overflow: both factors < pages first.
            let product = (UInt64(produced) % pages).multipliedFullWidth(by: step)
            var current = pages.dividingFullWidth(product).remainder
            for i in 0..<n {
                put(i, current)
                current += step
                if current >= pages { current -= pages }
            }
        case .uniform:
            for i in 0..<n { put(i, pageRNG.next(below: pages)) }
        case .zipf:
            zipf!.fill(out, count: n, using: &pageRNG, base: base, pageSize: pageSize, size: size)
        case let .loop(workingSet):
            let set = UInt64(workingSet)
            var page = UInt64(produced) % set
            for i in 0..<n {
                put(i, page)
                page += 1
                if page == set { page = 0 }
            }
        case let .phases(phases):
            var i = 0
            while i < n {
                let phase = phases[phaseIndex]
                let k = min(n - i, phase.length - phaseUsed)
                let setPages = UInt64(phase.pages)
                let start = UInt64(phaseStart)
                for j in i..<(i + k) {
                    var page = start + pageRNG.next(below: setPages)
                    if page >= pages { page -= pages }
                    put(j, page)
                }
                i += k
                phaseUsed += k
                if phaseUsed == phase.length {
                    phaseUsed = 0
                    phaseStart = (phaseStart + phase.pages) % self.pages
                    phaseIndex += 1
                    if phaseIndex == phases.count {
                        phaseIndex = 0
                        phaseStart = 0
                    }
                }
            }
        case .pointerChase:
            var current = chaseCurrent
            chain.withUnsafeBufferPointer { next in
                for i in 0..<n {
                    put(i, UInt64(current))
                    current = Int(next[current])
                }
            }
            chaseCurrent = current
        }
        if writeThreshold > 0 {
            let threshold = writeThreshold
            if threshold == .max {
                for i in 0..<n { out[i].kind = .write }
            } else {
                var kindRNG = self.kindRNG
                for i in 0..<n {  // branch-free: a 30 % coin defeats the branch predictor
                    out[i].kind = kindRNG.next() < threshold ? .write : .read
                }
                self.kindRNG = kindRNG
            }
        }
        produced += n
        return n
    }

    public func rewind() throws {
        produced = 0
        pageRNG = SeededGenerator(seed: seed)
        kindRNG = SeededGenerator(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        chaseCurrent = 0
        phaseIndex = 0
        phaseUsed = 0
        phaseStart = 0
    }

    public func close() {
        produced = count
    }
}

extension GeneratedTrace: CustomStringConvertible {
    /// One line for the REPL and `__tostring`.
    public var description: String {
        "\(pattern.name) generator: \(count) accesses over \(pages) pages, seed \(seed)" + (writeFraction > 0 ? ", \(writeFraction) writes" : "")
    }
}

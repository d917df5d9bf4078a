/// Address-space layout randomization (ASLR) and kernel ASLR (KASLR): how many bits of
/// randomness each base gets. A process's stack top, mmap base, initial break and code base
/// move by a random number of pages in `0 ..< 2^bits`; the kernel image moves by a random
/// number of slots (2 MiB, or the mode's huge-page size) in `0 ..< 2^kernel`.
///
/// Defaults follow Linux x86_64 (`ASLRConfiguration.defaults(for:)`): mmap 28 bits, stack 22,
/// brk 13, code (PIE) 28, kernel 9 (512 slots of 2 MiB); 32-bit modes get Linux i386's 8, 11,
/// 13, 8, 9. Every default is clamped to what the mode allows (`maximumBits`), so `aslr = true`
/// works in every mode, even a 15-bit textbook one; explicit bits beyond it are an error.
public struct ASLRConfiguration: Equatable, Sendable {
    /// Bits of page-granular randomness of the stack top.
    public var stack: Int
    /// Bits of page-granular randomness of the mmap base (where top-down placement starts).
    public var mmap: Int
    /// Bits of page-granular randomness of the initial program break.
    public var brk: Int
    /// Bits of page-granular randomness of the code (program text) base.
    public var code: Int
    /// Bits of randomness of the kernel image's slot in the kernel half (KASLR).
    public var kernel: Int

    /// A configuration with these bits.
    public init(stack: Int, mmap: Int, brk: Int, code: Int, kernel: Int) {
        self.stack = stack; self.mmap = mmap; self.brk = brk; self.code = code; self.kernel = kernel
    }

    /// The names of the fields, in the order `bits` lists them.
    public static let names = ["stack", "mmap", "brk", "code", "kernel"]

    /// The bits of every field, in the order of `names`.
    public var bits: [Int] { [stack, mmap, brk, code, kernel] }

    /// Most user bits one area may use in `mode`: each randomized area keeps within an eighth
    /// of user space (user pages are 2^(vaBits - 1 - pageBits); textbook modes use all of it).
    public static func maximumUserBits(for mode: PagingMode) -> Int {
        let userBits = mode.architecture == .textbook ? mode.vaBits : mode.vaBits - 1
        return max(0, userBits - mode.pageBits - 3)
    }

    /// Most kernel bits in `mode`: slots of `kernelSlotBytes` that fit in the kernel half
    /// (0 in textbook modes, which have no kernel half).
    public static func maximumKernelBits(for mode: PagingMode) -> Int {
        guard mode.architecture != .textbook else { return 0 }
        let slotBits = kernelSlotBytes(for: mode).trailingZeroBitCount
        return max(0, mode.vaBits - 1 - slotBits)
    }

    /// The size of one KASLR slot: the huge-page size one level above the leaf (2 MiB on
    /// x86_64, 4 MiB on x86_32), else 2 MiB, never less than a page.
    public static func kernelSlotBytes(for mode: PagingMode) -> UInt64 {
        let levels = mode.levels
        if levels >= 2, mode.leafAllowed[levels - 2] { return mode.pageBytes(level: levels - 2) }
        return max(mode.pageBytes, 2 << 20)
    }

    /// Linux's defaults for `mode` (x86_64 for 64-bit modes — 39 or more VA bits — and i386
    /// otherwise), each clamped to the mode's maximum.
    public static func defaults(for mode: PagingMode) -> ASLRConfiguration {
        let user = maximumUserBits(for: mode), kernel = maximumKernelBits(for: mode)
        let wide = mode.architecture != .textbook && mode.vaBits >= 39
        let (s, m, b, c) = wide ? (22, 28, 13, 28) : (11, 8, 13, 8)
        return ASLRConfiguration(stack: min(s, user), mmap: min(m, user), brk: min(b, user), code: min(c, user),
                                 kernel: min(9, kernel))
    }

    /// Nil when every field is within `mode`'s limits, else a sentence saying what is wrong.
    public func problem(for mode: PagingMode) -> String? {
        let user = Self.maximumUserBits(for: mode), kernel = Self.maximumKernelBits(for: mode)
        for (name, value) in zip(Self.names, bits) {
            let limit = name == "kernel" ? kernel : user
            if value < 0 { return "\(name): \(value) bits (must be 0 or more)" }
            if value > limit {
                return "\(name): \(value) bits is more than paging mode \(mode.name) allows (at most \(limit))"
            }
        }
        return nil
    }
}

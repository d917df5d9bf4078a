/// The project's one seeded random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// seeded through SplitMix64 so that any 64-bit seed — even 0 — gives a good, non-zero state.
///
/// Same seed ⇒ same sequence, on every machine and every run (DESIGN.md §1.4). It is a plain
/// struct with four words of state: copying it forks the sequence, and it never allocates.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let a = rng.next()                  // a UInt64
/// let page = rng.next(below: 1000)    // uniform in 0..<1000, unbiased
/// let x = rng.nextDouble()            // uniform in [0, 1)
/// let coin = Bool.random(using: &rng) // works with every standard-library API
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The seed this generator started from.
    public let seed: UInt64

    /// Creates a generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// The next 64 random bits.

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject
    /// method). `bound` must be greater than 0.

    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "SeededGenerator.next(below:) needs a bound > 0")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.

    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

import Glibc

/// Draws ranks `1…n` with probability `P(k) = k^−α / H(n, α)` (Zipf's law), exactly, for any
/// `α > 0`.
///
/// Two exact methods, chosen by `n`:
/// - `n ≤ 2^20`: Walker's **alias method** (Vose's construction). A table of `n` entries
///   (12 bytes each) built once; each draw costs two random numbers and one table read, so a
///   few nanoseconds. (The column is chosen by Lemire's multiply-shift, whose bias is at most
///   `n / 2^64`.)
/// - larger `n`: **rejection-inversion** (Hörmann & Derflinger, 1996, as in Apache Commons RNG):
///   constant memory, about 1.1 tries per draw, each with a few `log`/`exp` calls.
///
/// ```swift
/// var rng = SeededGenerator(seed: 1)
/// let zipf = try ZipfSampler(count: 1000, alpha: 1.0)
/// let rank = zipf.next(using: &rng)   // 1 most often
/// ```
public struct ZipfSampler: Sendable {
    /// Number of ranks.
    public let count: Int
    /// The exponent α.
    public let alpha: Double
    /// Largest `count` that uses the alias method.
    public static let aliasLimit = 1 << 20

    // Alias method tables (empty when rejection-inversion is used).
    private let threshold: [UInt64]
    private let alias: [UInt32]
    // Rejection-inversion constants.
    private let hIntegralX1: Double
    private let hIntegralN: Double
    private let squeeze: Double

    /// `count ≥ 1` ranks with exponent `alpha > 0` (else `TraceError.invalidOption`).
    /// `forceRejectionInversion` is for tests of the large-`n` method.
    public init(count: Int, alpha: Double, forceRejectionInversion: Bool = false) throws {
        guard alpha > 0 && alpha.isFinite else {
            throw TraceError.invalidOption(name: "alpha", message: "expected a finite number > 0, got \(alpha)")
        }
        guard count >= 1 else {
            throw TraceError.invalidOption(name: "pages", message: "expected at least 1 page, got \(count)")
        }
        self.count = count
        self.alpha = alpha
        if count <= ZipfSampler.aliasLimit && !forceRejectionInversion {
            (threshold, alias) = ZipfSampler.buildAlias(count: count, alpha: alpha)
        } else {
            (threshold, alias) = ([], [])
        }
        hIntegralX1 = ZipfSampler.hIntegral(1.5, alpha) - 1
        hIntegralN = ZipfSampler.hIntegral(Double(count) + 0.5, alpha)
        squeeze = 2 - ZipfSampler.hIntegralInverse(
            ZipfSampler.hIntegral(2.5, alpha) - ZipfSampler.h(2, alpha), alpha)
    }

    /// The probability of rank `k` (for tests and plots).
    public func probability(ofRank k: Int) -> Double {
        var total = 0.0
        for i in stride(from: count, through: 1, by: -1) { total += pow(Double(i), -alpha) }
        return pow(Double(k), -alpha) / total
    }

    /// A rank in `1...count`.
    public func next(using rng: inout SeededGenerator) -> Int {
        if threshold.isEmpty { return nextByRejectionInversion(using: &rng) }
        return threshold.withUnsafeBufferPointer { threshold in
            alias.withUnsafeBufferPointer { alias in
                ZipfSampler.aliasDraw(threshold, alias, &rng)
            }
        }
    }

    /// Fills `out[0..<count]` with reads of pages `rank − 1` (the generators' hot loop).
    func fill(
        _ out: UnsafeMutablePointer<Access>, count: Int, using rng: inout SeededGenerator,
        base: UInt64, pageSize: UInt64, size: UInt32
    ) {
        if threshold.isEmpty {
            for i in 0..<count {
                let page = UInt64(nextByRejectionInversion(using: &rng) - 1)
                out[i] = Access(.read, address: base &+ page &* pageSize, size: size)
            }
            return
        }
        threshold.withUnsafeBufferPointer { threshold in
            alias.withUnsafeBufferPointer { alias in
                for i in 0..<count {
                    let page = UInt64(ZipfSampler.aliasDraw(threshold, alias, &rng) - 1)
                    out[i] = Access(.read, address: base &+ page &* pageSize, size: size)
                }
            }
        }
    }

    @inline(__always)
    private static func aliasDraw(
        _ threshold: UnsafeBufferPointer<UInt64>, _ alias: UnsafeBufferPointer<UInt32>,
        _ rng: inout SeededGenerator
    ) -> Int {
        let column = Int(rng.next().multipliedFullWidth(by: UInt64(threshold.count)).high)
        return rng.next() < threshold[column] ? column + 1 : Int(alias[column]) + 1
    }

    private func nextByRejectionInversion(using rng: inout SeededGenerator) -> Int {
        while true {
            let u = hIntegralN + rng.nextDouble() * (hIntegralX1 - hIntegralN)
            let x = ZipfSampler.hIntegralInverse(u, alpha)
            var k = Int(x + 0.5)
            if k < 1 { k = 1 } else if k > count { k = count }
            if Double(k) - x <= squeeze
                || u >= ZipfSampler.hIntegral(Double(k) + 0.5, alpha) - ZipfSampler.h(Double(k), alpha) {
                return k
            }
        }
    }

    private static func buildAlias(count: Int, alpha: Double) -> ([UInt64], [UInt32]) {
        var weights = [Double](repeating: 0, count: count)
        var total = 0.0
        for i in stride(from: count - 1, through: 0, by: -1) {  // small terms first: less rounding
            weights[i] = pow(Double(i + 1), -alpha)
            total += weights[i]
        }
        let scale = Double(count) / total
        var scaled = weights.map { $0 * scale }
        var threshold = [UInt64](repeating: .max, count: count)
        var alias = [UInt32](repeating: 0, count: count)
        for i in 0..<count { alias[i] = UInt32(i) }
        var small: [Int] = []
        var large: [Int] = []
        for i in 0..<count {
            if scaled[i] < 1 { small.append(i) } else { large.append(i) }
        }
        while let s = small.last, let l = large.last {
            small.removeLast()
            threshold[s] = probabilityToThreshold(scaled[s])
            alias[s] = UInt32(l)
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Left-overs are 1 up to rounding: they always keep their own column.
        for i in small + large { threshold[i] = .max; alias[i] = UInt32(i) }
        return (threshold, alias)
    }

    private static func probabilityToThreshold(_ p: Double) -> UInt64 {
        if p <= 0 { return 0 }
        let value = p * 18_446_744_073_709_551_616.0
        return value >= 18_446_744_073_709_551_615.0 ? .max : UInt64(value)
    }

    // Rejection-inversion helpers; h(x) = x^−α and H its integral, written to stay accurate
    // when α is close to 1.
    private static func h(_ x: Double, _ alpha: Double) -> Double {
        exp(-alpha * log(x))
    }

    private static func hIntegral(_ x: Double, _ alpha: Double) -> Double {
        let logX = log(x)
        return helper2((1 - alpha) * logX) * logX
    }

    private static func hIntegralInverse(_ x: Double, _ alpha: Double) -> Double {
        var t = x * (1 - alpha)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }

    /// log(1 + x) / x, accurate near 0.
    private static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))
    }

    /// (exp(x) − 1) / x, accurate near 0.
    private static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x))
    }
}

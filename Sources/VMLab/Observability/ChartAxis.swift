#if canImport(Glibc)
import Glibc
#endif

/// One axis of a `LineChart`: the range it shows and its tick values. Linear axes take "nice"
/// steps (1, 2 or 5 × 10^k) and start at 0 when asked and the data allow; logarithmic axes put
/// ticks at powers of their base.
struct ChartAxis {
    let low: Double
    let high: Double
    let logarithmic: Bool
    let base: Double
    /// Every value is a whole number (frames, pages): ticks never fall between them.
    let integral: Bool

    init(values: [Double], logarithmic: Bool, base: Double, fromZero: Bool) {
        self.logarithmic = logarithmic
        self.base = base
        integral = values.allSatisfy { $0 == $0.rounded() }
        var low = values.min() ?? 0, high = values.max() ?? 1
        if logarithmic {
            low = pow(base, floor(log(low) / log(base)))
            high = pow(base, ceil(log(high) / log(base)))
            if low == high { high = low * base }
        } else {
            if fromZero && low > 0 { low = 0 }
            if low == high { low -= 1; high += 1 }
            let step = Self.step(high - low, integral: integral)
            low = floor(low / step) * step
            high = ceil(high / step) * step
        }
        self.low = low
        self.high = high
    }

    /// Where `value` falls between the ends, 0 … 1.
    func fraction(_ value: Double) -> Double {
        if logarithmic { return (log(value) - log(low)) / (log(high) - log(low)) }
        return (value - low) / (high - low)
    }

    /// The tick values, low to high.
    func ticks() -> [Double] {
        if logarithmic {
            var out: [Double] = []
            var v = low
            while v <= high * 1.000001 { out.append(v); v *= base }
            return out
        }
        let step = Self.step(high - low, integral: integral)
        let count = Int(((high - low) / step).rounded())
        return (0...count).map { low + Double($0) * step }
    }

    /// The tick step for a span: about six ticks, at least 1 on a whole-number axis.
    static func step(_ span: Double, integral: Bool) -> Double {
        let step = niceStep(span / 6)
        return integral ? max(1, step) : step
    }

    /// The smallest 1, 2 or 5 × 10^k at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= rough { return factor * magnitude }
        return 10 * magnitude
    }

    /// A tick label: integers without a decimal point, large values with K/M/G, others to 3 digits.
    static func label(_ value: Double) -> String {
        let magnitude = Swift.abs(value)
        if magnitude >= 1e9 && value == value.rounded() { return label(value / 1e9) + "G" }
        if magnitude >= 1e6 && value == value.rounded() { return label(value / 1e6) + "M" }
        if magnitude >= 1e4 && value == value.rounded() { return label(value / 1e3) + "K" }
        if value == value.rounded() { return String(Int(value)) }
        var text = String(format3: value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension String {
    /// `value` with three digits after the point, without Foundation.
    init(format3 value: Double) {
        let scaled = (value * 1000).rounded()
        let sign = scaled < 0 ? "-" : ""
        let whole = Int(Swift.abs(scaled)) / 1000, part = Int(Swift.abs(scaled)) % 1000
        let digits = String(part)
        self = sign + String(whole) + "." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}

/// A line chart rendered as a standalone SVG document: faults against frames for several
/// policies, TLB miss rate against stride, cycles per access… Deterministic output (the same
/// chart gives the same bytes), no dependencies, readable in any browser.
///
/// ```swift
/// var chart = LineChart(title: "FIFO on 1,2,3,4,1,2,5,1,2,3,4,5", xLabel: "frames", yLabel: "faults")
/// chart.series.append(.init(name: "FIFO", points: [(1, 12), (2, 12), (3, 9), (4, 10), (5, 5)]))
/// chart.marks.append(.init(x: 4, y: 10, label: "Belady's anomaly"))
/// let svg = try chart.svg()
/// ```
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// A point called out with a ring and a label (an anomaly, a cliff).
    public struct Mark: Sendable {
        public var x: Double
        public var y: Double
        public var label: String

        public init(x: Double, y: Double, label: String) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var marks: [Mark] = []
    /// Logarithmic axes (base 2 for x, base 10 for y); every value on such an axis must be > 0.
    public var logX = false
    public var logY = false
    /// Size of the picture in pixels.
    public var width = 720
    public var height = 440

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Colors of the series, in order (colour-blind-safe Okabe–Ito palette), then repeated.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// The SVG document. Throws `invalidConfiguration` when there is nothing to draw, a value is
    /// not finite, or a log axis meets a value ≤ 0.
    public func svg() throws(VMError) -> String {
        let all = series.flatMap(\.points) + marks.map { (x: $0.x, y: $0.y) }
        guard !all.isEmpty else { throw .invalidConfiguration(what: "chart", reason: "no points to draw") }
        for p in all where !p.x.isFinite || !p.y.isFinite {
            throw .invalidConfiguration(what: "chart", reason: "a point is not a finite number (\(p.x), \(p.y))")
        }
        if logX, let bad = all.first(where: { $0.x <= 0 }) {
            throw .invalidConfiguration(what: "chart", reason: "log x axis needs x > 0, got \(bad.x)")
        }
        if logY, let bad = all.first(where: { $0.y <= 0 }) {
            throw .invalidConfiguration(what: "chart", reason: "log y axis needs y > 0, got \(bad.y)")
        }
        let xAxis = ChartAxis(values: all.map(\.x), logarithmic: logX, base: 2, fromZero: false)
        let yAxis = ChartAxis(values: all.map(\.y), logarithmic: logY, base: 10, fromZero: true)
        let left = 78.0, right = 150.0, top = 46.0, bottom = 58.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * plotHeight }

        var out = SVGWriter(width: width, height: height)
        out.text(Double(width) / 2, 26, title, size: 16, anchor: "middle", weight: "bold")
        for tick in xAxis.ticks() {
            let x = px(tick)
            out.line(x, top, x, top + plotHeight, stroke: "#e5e5e5")
            out.text(x, top + plotHeight + 18, ChartAxis.label(tick), size: 12, anchor: "middle")
        }
        for tick in yAxis.ticks() {
            let y = py(tick)
            out.line(left, y, left + plotWidth, y, stroke: "#e5e5e5")
            out.text(left - 8, y + 4, ChartAxis.label(tick), size: 12, anchor: "end")
        }
        out.rect(left, top, plotWidth, plotHeight, stroke: "#444444")
        out.text(left + plotWidth / 2, Double(height) - 14, xLabel, size: 13, anchor: "middle")
        out.text(18, top + plotHeight / 2, yLabel, size: 13, anchor: "middle", rotate: true)
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let points = s.points.sorted { $0.x < $1.x }.map { (px($0.x), py($0.y)) }
            out.polyline(points, stroke: color)
            for (x, y) in points { out.circle(x, y, radius: 3, fill: color) }
            let legendY = top + 10 + Double(i) * 20
            out.line(left + plotWidth + 14, legendY, left + plotWidth + 34, legendY, stroke: color, width: 2.5)
            out.text(left + plotWidth + 40, legendY + 4, s.name, size: 12)
        }
        for mark in marks {
            out.circle(px(mark.x), py(mark.y), radius: 7, fill: "none", stroke: "#d00000")
            out.text(px(mark.x) + 10, py(mark.y) - 10, mark.label, size: 12, fill: "#d00000")
        }
        return out.finish()
    }
}

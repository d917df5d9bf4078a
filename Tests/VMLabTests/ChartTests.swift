import Testing
@testable import VMLab

/// How many times `needle` occurs in `text` (no Foundation here).
func occurrences(of needle: String, in text: String) -> Int {
    var count = 0
    var rest = Substring(text)
    while let range = rest.firstRange(of: needle) {
        count += 1
        rest = rest[range.upperBound...]
    }
    return count
}

/// SVG charts and DOT pictures: deterministic, well-formed, with readable axes.
@Suite struct ChartTests {
    static func belady() -> LineChart {
        var chart = LineChart(title: "FIFO <faults> & frames", xLabel: "frames", yLabel: "faults")
        chart.series = [LineChart.Series(name: "FIFO", points: [(1, 12), (2, 12), (3, 9), (4, 10), (5, 5)]),
                        LineChart.Series(name: "LRU", points: [(1, 12), (2, 12), (3, 10), (4, 8), (5, 5)])]
        chart.marks = [LineChart.Mark(x: 4, y: 10, label: "Belady's anomaly")]
        return chart
    }

    @Test func sameChartSameBytesOneLinePerSeries() throws {
        let a = try Self.belady().svg(), b = try Self.belady().svg()
        #expect(a == b)
        #expect(a.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && a.hasSuffix("</svg>\n"))
        #expect(occurrences(of: "<polyline", in: a) == 2)
        #expect(a.contains("FIFO &lt;faults&gt; &amp; frames") && a.contains("Belady's anomaly"))
        #expect(!a.contains("nan") && !a.contains("inf"))
    }

    @Test func axesUseNiceTicksFromZero() {
        let y = ChartAxis(values: [5, 12], logarithmic: false, base: 10, fromZero: true)
        #expect(y.low == 0 && y.ticks() == [0, 2, 4, 6, 8, 10, 12])
        let x = ChartAxis(values: [1, 128], logarithmic: true, base: 2, fromZero: false)
        #expect(x.ticks() == [1, 2, 4, 8, 16, 32, 64, 128])
        let frames = ChartAxis(values: [1, 5], logarithmic: false, base: 10, fromZero: false)
        #expect(frames.ticks().allSatisfy { $0 == $0.rounded() }, "whole-number data, whole-number ticks")
        #expect(ChartAxis.label(1_500_000) == "1.5M" && ChartAxis.label(0.25) == "0.25" && ChartAxis.label(64) == "64")
    }

    @Test func badChartsAreErrors() {
        #expect(throws: VMError.self) { try LineChart(title: "", xLabel: "", yLabel: "").svg() }
        var chart = Self.belady()
        chart.logY = true
        chart.series[0].points.append((6, 0))
        #expect(throws: VMError.self) { try chart.svg() }
        chart.logY = false
        chart.series[0].points.append((7, .nan))
        #expect(throws: VMError.self) { try chart.svg() }
    }

    @Test func pageTablesAsDOTDrawEveryTableAndEdge() throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: .x86_64)
        let s = try m.makePageTable()
        try s.mapFresh(0x400000, pageBytes: 4096, flags: MapFlags(user: true))
        try s.mapFresh(0x4000_0000, pageBytes: 2 << 20, flags: MapFlags(writable: true))
        let dot = s.dot()
        #expect(dot.hasPrefix("digraph page_tables {") && dot.hasSuffix("}\n"))
        // PML4 → PDPT → two PDs, one of them → PT: 5 tables, 4 edges.
        #expect(occurrences(of: "[label=<<table", in: dot) == s.stats.tablePages.reduce(0, +))
        #expect(occurrences(of: " -> t", in: dot) == 4)
        #expect(dot.contains("4 KiB 0x400000 → ") && dot.contains("2 MiB 0x40000000 → "))
        let small = s.dot(entriesPerTable: 1, maxTables: 2)
        #expect(occurrences(of: "[label=<<table", in: small) == 2)
        #expect(occurrences(of: " -> t", in: small) == 1, "no edge to a table that is not drawn")
    }
}

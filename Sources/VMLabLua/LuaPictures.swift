import LuaKit
import VMLab

/// Pictures: `vm.plot{…}` (SVG line charts) and `vm.svg(dot)` (Graphviz DOT to SVG).
/// Both return text; a script writes it where it may (`io.open` obeys the sandbox).
enum LuaPictures {
    static let plotOptions = ["title", "x", "y", "series", "marks", "log_x", "log_y", "width", "height"]
    static let seriesOptions = ["name", "points", "x", "y"]
    static let markOptions = ["x", "y", "label"]

    static func install(in state: LuaState) {
        state.register("vm.plot", signature: "vm.plot{title=, x=, y=, series={…}, marks={…}, log_x=, log_y=, width=, height=} -> svg", doc: """
            An SVG line chart as a string. series: a list of { name=, points = {{x, y}, …} } or { name=, x = {…},
            y = {…} }; marks: points to call out, { {x=, y=, label=}, … } (e.g. Belady's anomaly); x and y: axis labels;
            log_x (base 2) / log_y (base 10): logarithmic axes. Write it with io.open(name, "w"):write(svg).
            local svg = vm.plot{ title = "FIFO", x = "frames", y = "faults",
                                 series = { { name = "FIFO", points = {{3, 9}, {4, 10}, {5, 5}} } } }
            """) { call in
            let t = try call.table(1)
            try t.checkOptions(plotOptions, function: "vm.plot")
            var chart = LineChart(title: try t.string("title") ?? "", xLabel: try t.string("x") ?? "x", yLabel: try t.string("y") ?? "y")
            chart.logX = try t.boolean("log_x") ?? false
            chart.logY = try t.boolean("log_y") ?? false
            chart.width = try t.integer("width") ?? chart.width
            chart.height = try t.integer("height") ?? chart.height
            guard (200...4000).contains(chart.width), (150...4000).contains(chart.height) else {
                throw LuaScriptError("vm.plot: width and height must be within 200…4000 and 150…4000 pixels")
            }
            chart.series = try list(t, "series") { s, what in
                try s.checkOptions(seriesOptions, function: what)
                return LineChart.Series(name: try s.string("name") ?? "", points: try points(s, what: what))
            }
            chart.marks = try list(t, "marks") { m, what in
                try m.checkOptions(markOptions, function: what)
                guard let x = try m.number("x"), let y = try m.number("y") else { throw LuaScriptError("\(what): x and y are required") }
                return LineChart.Mark(x: x, y: y, label: try m.string("label") ?? "")
            }
            return call.push(try chart.svg())
        }
        state.register("vm.svg", signature: "vm.svg(dot) -> svg", doc: """
            Renders Graphviz DOT text (s:dot()) as SVG with the `dot` program (Debian package graphviz); an error
            says so when it is not installed.
            """) { call in
            call.push(try Graphviz.svg(fromDOT: try call.string(1)))
        }
    }

    /// The elements of the list in field `key` of `t`, each read by `body` (nil field: empty).
    static func list<T>(_ t: LuaTableView, _ key: String, _ body: (LuaTableView, String) throws -> T) throws -> [T] {
        guard t.has(key) else { return [] }
        return try t.withTable(key) { items in
            try (0..<items.length).map { i in
                let what = "vm.plot: \(key)[\(i + 1)]"
                return try items.withElement(i + 1, what: what) { try body($0, what) }
            }
        }
    }

    /// A series' points: `points = {{x, y}, …}`, or parallel lists `x = {…}, y = {…}`.
    static func points(_ s: LuaTableView, what: String) throws -> [(x: Double, y: Double)] {
        if s.has("points") {
            return try s.withTable("points") { list in
                try (0..<list.length).map { i in
                    try list.withElement(i + 1, what: "\(what): points[\(i + 1)]") { pair in
                        guard let x = pair.element(1).numberValue, let y = pair.element(2).numberValue else {
                            throw LuaScriptError("\(what): points[\(i + 1)] must be {x, y} numbers")
                        }
                        return (x, y)
                    }
                }
            }
        }
        let xs = try numbers(s, "x", what: what), ys = try numbers(s, "y", what: what)
        guard xs.count == ys.count else { throw LuaScriptError("\(what): x has \(xs.count) values but y has \(ys.count)") }
        return Array(zip(xs, ys)).map { (x: $0.0, y: $0.1) }
    }

    static func numbers(_ s: LuaTableView, _ key: String, what: String) throws -> [Double] {
        guard s.has(key) else { throw LuaScriptError("\(what): give points = {{x, y}, …} or lists x = {…} and y = {…}") }
        return try s.withTable(key) { list in
            try (0..<list.length).map { i in
                guard let v = list.element(i + 1).numberValue else { throw LuaScriptError("\(what): \(key)[\(i + 1)] must be a number") }
                return v
            }
        }
    }
}

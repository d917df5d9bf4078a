/// Page tables as a Graphviz graph: one node per table page (a table of its present entries),
/// an edge from each table entry to the next-level table, leaves listed with the page they map.
extension PageTable {
    /// The DOT text of the tree. At most `entriesPerTable` present entries of each table are
    /// drawn (a last row counts the rest), and at most `maxTables` table pages.
    ///
    /// ```swift
    /// print(space.dot())        // dot -Tsvg tables.dot > tables.svg
    /// ```
    public func dot(entriesPerTable: Int = 12, maxTables: Int = 64) -> String {
        if let hashed { return hashed.dot(self, limit: entriesPerTable * maxTables) }
        var lines = [
            "digraph page_tables {",
            "  graph [rankdir=LR, fontname=\"Helvetica\", label=\"\(mode.name) page tables, root \(Units.hex(root))\", labelloc=t];",
            "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];",
        ]
        var drawn: Set<UInt64> = []
        var edges: [(from: String, to: UInt64)] = []

        func node(_ table: UInt64, level: Int, vaBase: UInt64) {
            guard drawn.count < maxTables else { return }
            drawn.insert(table)
            let name = "t\(String(table, radix: 16))"
            var rows = ["<tr><td colspan=\"3\" bgcolor=\"#dde7f5\"><b>\(mode.levelNames[level])</b> @ \(Units.hex(table))</td></tr>"]
            var shown = 0, hidden = 0
            var children: [(UInt64, UInt64)] = []
            for i in 0..<UInt64(mode.entries(level: level)) {
                guard let raw = try? readEntry(table + i * pteBytes), isPresent(raw) else { continue }
                if shown >= entriesPerTable { hidden += 1; continue }
                shown += 1
                let va = vaBase | (i << shifts[level])
                let flags = SVGWriter.escape(mode.decode(raw, level: level).flagText(mode.architecture))
                if isLeaf(raw, level: level) {
                    let size = pageBytes(level: level)
                    let target = "\(Units.size(size)) \(Units.hex(visibleVA(va))) → \(Units.hex(frameAddress(raw) & ~(size - 1)))"
                    rows.append("<tr><td>[\(i)]</td><td>\(flags)</td><td>\(target)</td></tr>")
                } else {
                    rows.append("<tr><td>[\(i)]</td><td>\(flags)</td><td port=\"p\(i)\">→ \(mode.levelNames[level + 1])</td></tr>")
                    let child = frameAddress(raw)
                    edges.append(("\(name):p\(i)", child))
                    children.append((child, va))
                }
            }
            if hidden > 0 { rows.append("<tr><td colspan=\"3\">… \(hidden) more entries</td></tr>") }
            if shown == 0 { rows.append("<tr><td colspan=\"3\">(empty)</td></tr>") }
            lines.append("  \(name) [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\(rows.joined())</table>>];")
            for (child, va) in children where level + 1 < levelCount { node(child, level: level + 1, vaBase: va) }
        }
        node(root, level: 0, vaBase: 0)
        // Edges to tables beyond maxTables would point at nodes never drawn: keep only drawn ones.
        for edge in edges where drawn.contains(edge.to) { lines.append("  \(edge.from) -> t\(String(edge.to, radix: 16));") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

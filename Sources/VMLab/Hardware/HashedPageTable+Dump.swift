extension HashedPageTable {
    /// The translations of `space` as text, one line per page: where its entry sits (entry
    /// index and address; the group and slot for hashed; "overflow" when the operating system
    /// keeps it outside the table), the raw PTE, its flags and the mapping. Example (inverted):
    /// ```
    /// inverted page table @ 0x0, space 1: 1 page
    ///   entry 0x00012 @ 0x1b0  0x0000000000012063 P W A D : 4 KiB page 0x400000 -> 0x12000
    /// ```
    /// At most `limit` lines; the rest is counted in a last line.
    func dump(_ space: PageTable, limit: Int) -> String {
        let found = entries(of: space.spaceID)
        var lines = ["\(kind.rawValue) page table @ \(Units.hex(base)), space \(space.spaceID): \(found.count) page\(found.count == 1 ? "" : "s")"]
        for (page, index, raw) in found.prefix(max(0, limit)) {
            let place: String
            if let index {
                place = kind == .inverted
                    ? "entry \(index) @ \(Units.hex(entryAddress(index)))"
                    : "group \(index / HashedPageTable.groupEntries) slot \(index % HashedPageTable.groupEntries) @ \(Units.hex(entryAddress(index)))"
            } else {
                place = "overflow"
            }
            let flags = mode.decode(raw, level: mode.levels - 1).flagText(mode.architecture)
            lines.append("  \(place)  \(Units.hex(raw))  \(flags) : \(Units.size(mode.pageBytes)) page \(Units.hex(pageVA(space, vpn: page)))"
                         + " -> \(Units.hex(memory.address(frame: frameOf(raw))))")
        }
        if found.count > limit { lines.append("… \(found.count - limit) more pages") }
        return lines.joined(separator: "\n")
    }
}

extension HashedPageTable {
    /// The translations of `space` as a Graphviz graph: one node listing them as `dump` does
    /// (an inverted or hashed table is not a tree), at most `limit` rows.
    func dot(_ space: PageTable, limit: Int) -> String {
        let rows = dump(space, limit: limit).split(separator: "\n").map { line in
            "<tr><td align=\"left\">" + SVGWriter.escape(String(line)) + "</td></tr>"
        }
        return ["digraph page_tables {",
                "  graph [fontname=\"Helvetica\", label=\"\(mode.name), \(kind.rawValue) page table\", labelloc=t];",
                "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];",
                "  space [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\(rows.joined())</table>>];",
                "}"].joined(separator: "\n")
    }
}

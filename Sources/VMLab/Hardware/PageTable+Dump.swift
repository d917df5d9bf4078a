extension PageTable {
    /// A text tree of the table pages: each present entry with its index, raw value and flags;
    /// pointers lead to the next table, leaves show the page they map (huge pages by their size).
    /// Example (x86_64, one 4 KiB page):
    /// ```
    /// PML4 @ 0x1000
    ///   [0x000] 0x0000000000002027 P W U A -> PDPT @ 0x2000
    ///     [0x000] 0x0000000000003027 P W U A -> PD @ 0x3000
    ///       [0x000] 0x0000000000004027 P W U A -> PT @ 0x4000
    ///         [0x001] 0x0000000000005067 P W U A D : 4 KiB page 0x1000 -> 0x5000
    /// ```
    /// At most `limit` entry lines are printed; the rest is summarized in a last line.
    public func dump(limit: Int = 10_000) -> String {
        if let hashed { return hashed.dump(self, limit: limit) }
        var lines: [String] = ["\(mode.levelNames[0]) @ \(Units.hex(root))"]
        var printed = 0, skipped = 0
        let arch = mode.architecture

        func pad(_ value: UInt64, digits: Int) -> String {
            let text = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        func visit(_ table: UInt64, level: Int, vaBase: UInt64, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            let indexDigits = (mode.levelBits[level] + 3) / 4
            for i in 0..<UInt64(mode.entries(level: level)) {
                guard let raw = try? readEntry(table + i * pteBytes) else {
                    lines.append(indent + "(table beyond physical memory)")
                    return
                }
                guard isPresent(raw) else { continue }
                let va = vaBase | (i << shifts[level])
                if printed >= limit {           // keep counting what is not shown
                    skipped += 1
                    if !isLeaf(raw, level: level) { visit(frameAddress(raw), level: level + 1, vaBase: va, depth: depth + 1) }
                    continue
                }
                printed += 1
                let head = "\(indent)[\(pad(i, digits: indexDigits))] \(pad(raw, digits: Int(pteBytes) * 2)) \(mode.decode(raw, level: level).flagText(arch))"
                if isLeaf(raw, level: level) {
                    let size = pageBytes(level: level)
                    let kind = level < levelCount - 1 ? "huge page" : "page"
                    lines.append("\(head) : \(Units.size(size)) \(kind) \(Units.hex(visibleVA(va))) -> \(Units.hex(frameAddress(raw) & ~(size - 1)))")
                } else {
                    let next = frameAddress(raw)
                    lines.append("\(head) -> \(mode.levelNames[level + 1]) @ \(Units.hex(next))")
                    visit(next, level: level + 1, vaBase: va, depth: depth + 1)
                }
            }
        }
        visit(root, level: 0, vaBase: 0, depth: 1)
        if skipped > 0 { lines.append("… \(skipped) more entries") }
        return lines.joined(separator: "\n")
    }

    /// `va` sign-extended as the mode's canonical form requires (for display).
    func visibleVA(_ va: UInt64) -> UInt64 {
        guard signExtended, va >> vaTopShift & 1 == 1 else { return va }
        return va | ~PTELayout.lowMask(mode.vaBits)
    }
}

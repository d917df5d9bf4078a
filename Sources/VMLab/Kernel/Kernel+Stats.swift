/// What /proc shows about a process: maps and memory statistics.
extension Kernel {
    /// Memory statistics of `p`, from its page table (a walk over its VMAs).
    public func memoryStats(_ p: Process) -> MemoryStats {
        var s = MemoryStats()
        guard p.isAlive else { return s }
        s.pageTableBytes = p.space.tableBytes
        for v in p.vmas {
            s.size += v.length
            try? forEachEntry(p.space, v.start, v.end) { (_, _, raw, tables) throws(KernelError) in
                guard isPresent(raw) else {
                    if swapSlot(raw) != nil { s.swapped += pageBytes }
                    return
                }
                let size = p.space.pageBytes(level: tables.count - 1)
                let maps = max(1, frameInfo(entryFrame(p.space, raw)).mapcount)
                s.rss += size
                s.pss += Double(size) / Double(maps)
                if maps > 1 { s.shared += size } else { s.privateBytes += size }
                if v.flags.contains(.locked) { s.locked += size }
                if tables.count - 1 < mode.levels - 1 {
                    s.huge += size
                    if !v.flags.contains(.huge) { s.anonHuge += size }
                }
            }
            s.swapped += sharedSwappedBytes(v) + swappedTableEntries(p.space, v.start, v.end) * pageBytes
        }
        return s
    }

    /// /proc/PID/maps: one line per VMA, `start-end perms offset dev inode name`, e.g.
    /// `7f0000000000-7f0000100000 rw-p 00000000 00:00 0`. Perms end in `p` (private) or `s` (shared).
    public func maps(_ p: Process) -> String {
        var lines: [String] = []
        for v in p.vmas {
            let perms = v.protection.description + (v.isShared ? "s" : "p")
            let inode = v.object.map { $0.isAnonymous ? 1 : 2 } ?? 0
            var line = "\(hex(v.start))-\(hex(v.end)) \(perms) \(hex(v.offset, width: 8)) 00:00 \(inode)"
            if !v.label.isEmpty { line += String(repeating: " ", count: max(1, 26 - String(inode).count)) + v.label }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// Lower-case hex without 0x, at least `width` digits (zero padded).
    func hex(_ value: UInt64, width: Int = 8) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

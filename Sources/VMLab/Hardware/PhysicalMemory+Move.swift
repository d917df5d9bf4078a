extension PhysicalMemory {
    /// Moves `length` bytes from `source` to `destination` like memmove (the ranges may
    /// overlap), page-sized piece by piece in the safe direction; untouched source pieces stay
    /// untouched at the destination (they are zeroed there, costing no storage). Used to compact
    /// memory before paging existed.
    public func move(from source: UInt64, to destination: UInt64, length: UInt64) throws(VMError) {
        try checkAccess(source, width: length)
        try checkAccess(destination, width: length)
        guard length > 0, source != destination else { return }
        let piece = Self.blockBytes
        let count = (length + piece - 1) / piece
        for k in 0..<count {
            let i = destination < source ? k : count - 1 - k   // down: ascending; up: descending
            let offset = i * piece
            let n = min(piece, length - offset)
            if existingBlock(source + offset) == nil && existingBlock(source + offset + n - 1) == nil {
                try zero(destination + offset, length: n)
            } else {
                try writeBytes(destination + offset, try readBytes(source + offset, count: Int(n)))
            }
        }
    }
}

/// One-at-a-time access for small jobs (REPL, tests, Lua `t:each()`).
extension Trace {
    /// The next access, or nil at the end of the trace.
    ///
    /// ```swift
    /// let t = ArrayTrace(pages: [1, 2, 3])
    /// while let a = try t.next() { print(a) }
    /// ```
    public func next() throws -> Access? {
        var access = Access()
        let n = try withUnsafeMutablePointer(to: &access) {
            try next(into: UnsafeMutableBufferPointer(start: $0, count: 1))
        }
        return n == 1 ? access : nil
    }

    /// Reads up to `limit` accesses (all of them by default) into an array.
    public func collect(limit: Int = .max) throws -> [Access] {
        var result: [Access] = []
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        while result.count < limit {
            let wanted = min(buffer.count, limit - result.count)
            let n = try next(into: UnsafeMutableBufferPointer(rebasing: buffer[..<wanted]))
            if n == 0 { break }
            result.append(contentsOf: buffer[..<n])
        }
        return result
    }

    /// Calls `body` for each access, reading in batches of `batchSize`; returns the count.
    @discardableResult
    public func forEach(batchSize: Int = 4096, _ body: (Access) throws -> Void) throws -> Int {
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: max(1, batchSize))
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = try next(into: buffer)
            if n == 0 { return total }
            for i in 0..<n { try body(buffer[i]) }
            total += n
        }
    }
}

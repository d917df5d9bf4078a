/// Converting any trace into the binary format.
extension BinaryTraceWriter {
    /// Reads `trace` to its end and writes every access to a binary trace at `path`; returns
    /// the number of records. `pageSize` is recorded in the header (pass the page size the
    /// reader split at, if any).
    ///
    /// ```swift
    /// let n = try BinaryTraceWriter.convert(from: LackeyTrace(path: "ls.lackey.gz"), to: "ls.vmtrace",
    ///                                       pageSize: 4096)
    /// ```
    @discardableResult
    public static func convert<Source: Trace>(
        from trace: Source, to path: String, pageSize: UInt64? = nil
    ) throws -> Int {
        let writer = try BinaryTraceWriter(path: path, pageSize: pageSize)
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 1 << 16)
        defer { buffer.deallocate() }
        while true {
            let n = try trace.next(into: buffer)
            if n == 0 { break }
            try writer.write(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
        try writer.finish()
        return writer.recordCount
    }

    /// Converts the trace file `input` (format detected by `TraceFormat.detect`) into a binary
    /// trace at `output`; lackey traces are split at `pageSize`. Returns the number of records.
    ///
    /// ```swift
    /// try BinaryTraceWriter.convert(input: "ls.lackey.gz", output: "ls.vmtrace")
    /// ```
    @discardableResult
    public static func convert(input: String, output: String, pageSize: UInt64? = 4096) throws -> Int {
        let format = try TraceFormat.detect(path: input)
        let trace = try format.open(path: input, pageSize: pageSize)
        defer { trace.close() }
        let recordedPageSize: UInt64? = switch format {
        case .lackey: pageSize
        case .binary: (trace as? BinaryTrace)?.pageSize
        case .list, .csv: nil
        }
        return try convert(from: trace, to: output, pageSize: recordedPageSize)
    }
}

/// Statistics of a whole trace, computed in one streaming pass (`t:info()` in Lua).
///
/// ```swift
/// let info = try TraceInfo(measuring: LackeyTrace(path: "ls.lackey.gz"), pageSize: 4096)
/// print(info)   // 1234567 accesses (…), 321 distinct pages, footprint 1284 KiB
/// ```
public struct TraceInfo: Sendable, Equatable, CustomStringConvertible {
    /// All accesses (records after `M` expansion and page splitting).
    public var records = 0
    /// Data reads.
    public var reads = 0
    /// Data writes.
    public var writes = 0
    /// Instruction fetches.
    public var fetches = 0
    /// Distinct pages touched (by the first byte of each access).
    public var distinctPages = 0
    /// The page size pages were counted in.
    public var pageSize: UInt64
    /// Lowest and highest address seen (nil for an empty trace).
    public var lowestAddress: UInt64?
    public var highestAddress: UInt64?

    /// `distinctPages × pageSize`: the memory the trace touches.
    public var footprint: UInt64 { UInt64(distinctPages) * pageSize }

    /// Reads `trace` from where it is to its end (rewind it first to measure it all again).
    /// `pageSize` must be a power of two.
    public init<Source: Trace>(measuring trace: Source, pageSize: UInt64 = 4096) throws {
        guard pageSize >= 1 && pageSize & (pageSize - 1) == 0 else {
            throw TraceError.invalidOption(name: "page_size", message: "expected a power of two, got \(pageSize)")
        }
        self.pageSize = pageSize
        let shift = UInt64(pageSize.trailingZeroBitCount)
        var pages = PageSet()
        var counts = (0, 0, 0)
        var lowest = UInt64.max
        var highest = UInt64.min
        var lastPage = UInt64.max
        var sawLastPage = false
        let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 1 << 14)
        defer { buffer.deallocate() }
        while true {
            let n = try trace.next(into: buffer)
            if n == 0 { break }
            for i in 0..<n {
                let access = buffer[i]
                switch access.kind {
                case .read: counts.0 += 1
                case .write: counts.1 += 1
                case .execute: counts.2 += 1
                }
                lowest = min(lowest, access.address)
                highest = max(highest, access.address)
                let page = access.address >> shift
                if page != lastPage || !sawLastPage {  // skip the set for runs on one page
                    pages.insert(page)
                    lastPage = page
                    sawLastPage = true
                }
            }
            records += n
        }
        reads = counts.0
        writes = counts.1
        fetches = counts.2
        distinctPages = pages.count
        if records > 0 {
            lowestAddress = lowest
            highestAddress = highest
        }
    }

    public var description: String {
        "\(records) accesses (\(reads) reads, \(writes) writes, \(fetches) fetches), "
            + "\(distinctPages) distinct pages of \(pageSize) bytes, footprint \(footprint / 1024) KiB"
    }
}

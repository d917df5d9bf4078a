/// A stream of memory accesses: a trace file being read, an in-memory list, or a generator.
///
/// The batch method `next(into:)` is the fast path: it fills as much of a caller-provided
/// buffer as it can and returns how many accesses it wrote, 0 at the end. It never allocates
/// per access, so a replay loop runs in constant memory however long the trace:
///
/// ```swift
/// let trace = try LackeyTrace(path: "ls.trace.gz", pageSize: 4096)
/// let buffer = UnsafeMutableBufferPointer<Access>.allocate(capacity: 4096)
/// defer { buffer.deallocate() }
/// while case let n = try trace.next(into: buffer), n > 0 {
///     for access in buffer[..<n] { /* translate access.address … */ }
/// }
/// ```
///
/// For small jobs, `next()` returns one access at a time and `collect(limit:)` an array
/// (see `Trace+Conveniences.swift`). Every trace is a `final class`; use it through generics
/// (`some Trace`) in hot loops. Calling through `any Trace` once per batch is also fine.
public protocol Trace: AnyObject {
    /// Fills `buffer` from its start with the next accesses; returns how many (0 = the end).
    /// Once it has returned 0 it keeps returning 0 until `rewind()`.
    func next(into buffer: UnsafeMutableBufferPointer<Access>) throws -> Int

    /// Starts the trace again from its first access (a file is reopened; a generator restarts
    /// from its seed, so it yields the same sequence again).
    func rewind() throws

    /// Releases the file and any decompressor process now rather than at deinit.
    /// Afterwards `next(into:)` returns 0 until `rewind()`.
    func close()
}

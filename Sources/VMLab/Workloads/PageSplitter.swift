/// Writes accesses into a reader's output buffer, splitting an access whose bytes cross a page
/// boundary into one access per page touched (in address order), and keeping what does not fit
/// in the buffer for the next batch. Its overflow queue holds at most the accesses of one record,
/// so memory stays constant.
struct PageSplitter {
    /// log2 of the page size; nil = never split.
    let pageShift: Int?
    private var pending: [Access] = []
    private var pendingIndex = 0

    /// `pageSize` must be nil or a power of two ≥ 2 (else `TraceError.invalidOption`).
    init(pageSize: UInt64?) throws {
        if let pageSize {
            guard pageSize >= 2 && pageSize & (pageSize - 1) == 0 else {
                throw TraceError.invalidOption(
                    name: "page_size", message: "expected a power of two ≥ 2, got \(pageSize)")
            }
            pageShift = pageSize.trailingZeroBitCount
        } else {
            pageShift = nil
        }
        pending.reserveCapacity(16)
    }

    /// Forgets queued accesses (rewind).
    mutating func reset() {
        pending.removeAll(keepingCapacity: true)
        pendingIndex = 0
    }

    /// Moves queued accesses into `out` from `count`.
    mutating func drain(into out: UnsafeMutableBufferPointer<Access>, count: inout Int) {
        while pendingIndex < pending.count && count < out.count {
            out[count] = pending[pendingIndex]
            count += 1
            pendingIndex += 1
        }
        if pendingIndex == pending.count && pendingIndex > 0 {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
        }
    }

    /// Emits one access, split at page boundaries if needed.
    @inline(__always)
    mutating func emit(
        _ kind: AccessKind, address: UInt64, size: UInt32,
        into out: UnsafeMutableBufferPointer<Access>, count: inout Int
    ) {
        if let shift = pageShift, size > 1 {
            let last = address &+ UInt64(size - 1)
            if address >> UInt64(shift) != last >> UInt64(shift) && last > address {
                emitSplit(kind, address: address, last: last, shift: shift, into: out, count: &count)
                return
            }
        }
        put(Access(kind, address: address, size: size), into: out, count: &count)
    }

    private mutating func emitSplit(
        _ kind: AccessKind, address: UInt64, last: UInt64, shift: Int,
        into out: UnsafeMutableBufferPointer<Access>, count: inout Int
    ) {
        let mask = (UInt64(1) << UInt64(shift)) - 1
        var start = address
        while true {
            let pageLast = start | mask
            if pageLast >= last {
                put(Access(kind, address: start, size: UInt32(last - start + 1)), into: out, count: &count)
                return
            }
            put(Access(kind, address: start, size: UInt32(pageLast - start + 1)), into: out, count: &count)
            start = pageLast + 1
        }
    }

    @inline(__always)
    private mutating func put(_ access: Access, into out: UnsafeMutableBufferPointer<Access>, count: inout Int) {
        if count < out.count && pending.isEmpty {
            out[count] = access
            count += 1
        } else {
            pending.append(access)
        }
    }
}

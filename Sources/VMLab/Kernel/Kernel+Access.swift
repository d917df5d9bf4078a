/// Accesses from processes: every byte goes through the CPU's MMU (TLBs, walker); a fault goes
/// to the fault handler and the access is retried, as hardware re-executes the instruction.
extension Kernel {
    /// How many times one access may fault before the kernel gives up (a handler that does not
    /// fix the fault would loop forever on real hardware).
    static let faultRetries = 4

    /// Translates `va` for `access` from `p` through the MMU, handling faults. Returns the
    /// physical address. Throws `.segv` for an invalid access.
    public func translate(_ p: Process, _ va: UInt64, _ access: AccessKind,
                          privilege: Privilege = .user) throws(KernelError) -> UInt64 {
        try checkAlive(p, "access")
        let cpu = self.cpu
        do { try cpu.switchTo(p.space) } catch { throw .from(error, in: "context switch") }
        return try translate(p, va, access, privilege: privilege, on: cpu)
    }

    /// `translate` once `cpu` runs `p`'s space (`run` switches once per trace, not per access).
    /// After a fault it switches to `p` again: the handler (or an event handler) may have run
    /// another process.
    func translate(_ p: Process, _ va: UInt64, _ access: AccessKind, privilege: Privilege,
                   on cpu: CPU) throws(KernelError) -> UInt64 {
        p.counters.accesses += 1
        beginAccess()
        for attempt in 0...Self.faultRetries {
            // Straight into `lastAccess` (a faulting attempt's result is overwritten by the retry).
            let r = lastAccessStorage
            do { try cpu.access(va, access, privilege: privilege, into: &r.pointee) } catch { throw .from(error, in: "access") }
            guard let fault = r.pointee.fault else {
                let pa = r.pointee.physicalAddress
                try finishAccess(pa, access, faulted: attempt > 0)
                return pa
            }
            try handleFault(p, fault)
            guard p.isAlive else { throw try segv(p, va, access, .handlerFailed, detail: "the process was killed") }
            do { try cpu.switchTo(p.space) } catch { throw .from(error, in: "context switch") }
        }
        throw try segv(p, va, access, .handlerFailed, detail: "still faulting after \(Self.faultRetries) tries")
    }

    /// Reads `count` bytes at `va` of `p` (page by page through the MMU).
    public func readBytes(_ p: Process, _ va: UInt64, count: Int, privilege: Privilege = .user) throws(KernelError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(max(0, count), 1 << 24))
        try eachPage(p, va, count, .read, privilege) { (pa, n) throws(KernelError) in
            do throws(VMError) { result += try memory.readBytes(pa, count: n) } catch { throw .from(error, in: "read") }
        }
        return result
    }

    /// Writes `bytes` at `va` of `p` (page by page through the MMU; COW pages are copied).
    public func writeBytes(_ p: Process, _ va: UInt64, _ bytes: [UInt8], privilege: Privilege = .user) throws(KernelError) {
        var done = 0
        try eachPage(p, va, bytes.count, .write, privilege) { (pa, n) throws(KernelError) in
            do throws(VMError) { try memory.writeBytes(pa, Array(bytes[done..<(done + n)])) } catch { throw .from(error, in: "write") }
            done += n
        }
    }

    /// Reads a little-endian integer of `width` (1, 2, 4, 8) bytes at `va`.
    public func read(_ p: Process, _ va: UInt64, width: Int = 8) throws(KernelError) -> UInt64 {
        try checkWidth(width, "read")
        let bytes = try readBytes(p, va, count: width)
        return bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
    }

    /// Writes the low `width` (1, 2, 4, 8) bytes of `value` at `va`, little-endian.
    public func write(_ p: Process, _ va: UInt64, _ value: UInt64, width: Int = 8) throws(KernelError) {
        try checkWidth(width, "write")
        try writeBytes(p, va, (0..<width).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) })
    }

    /// copy_to_user: the kernel writes `bytes` into `p`'s memory at `va` (supervisor accesses
    /// through the MMU, so a COW page is copied first). EFAULT when the range is not writable
    /// user memory (a kernel must not write through a bad user pointer).
    public func copyToUser(_ p: Process, _ va: UInt64, _ bytes: [UInt8]) throws(KernelError) {
        try checkAlive(p, "copy_to_user")
        try checkUserPointer(p, va, bytes.count, .write, call: "copy_to_user")
        try writeBytes(p, va, bytes, privilege: .supervisor)
    }

    /// copy_from_user: the kernel reads `count` bytes of `p`'s memory at `va`. EFAULT for a bad pointer.
    public func copyFromUser(_ p: Process, _ va: UInt64, count: Int) throws(KernelError) -> [UInt8] {
        try checkAlive(p, "copy_from_user")
        try checkUserPointer(p, va, count, .read, call: "copy_from_user")
        return try readBytes(p, va, count: count, privilege: .supervisor)
    }

    /// EFAULT unless every byte of `[va, va + count)` lies in a VMA allowing `access`.
    func checkUserPointer(_ p: Process, _ va: UInt64, _ count: Int, _ access: AccessKind, call: String) throws(KernelError) {
        guard count >= 0, va < userTop, UInt64(count) <= userTop - va else {
            throw .fail(.EFAULT, call, "\(Units.hex(va)) + \(count) is not user memory")
        }
        var at = va
        let end = va + UInt64(count)
        while at < end {
            guard let v = p.vma(containing: at), v.protection.allows(access), !v.flags.contains(.reserved) else {
                throw .fail(.EFAULT, call, "\(Units.hex(at)) is not \(access == .write ? "writable" : "readable") user memory")
            }
            at = v.end
        }
    }

    func checkWidth(_ width: Int, _ call: String) throws(KernelError) {
        guard [1, 2, 4, 8].contains(width) else { throw .fail(.EINVAL, call, "width \(width) is not 1, 2, 4 or 8 bytes") }
    }

    /// Calls `body(pa, n)` for each page-sized piece of `[va, va + count)` after translating it.
    func eachPage(_ p: Process, _ va: UInt64, _ count: Int, _ access: AccessKind, _ privilege: Privilege,
                  _ body: (UInt64, Int) throws(KernelError) -> Void) throws(KernelError) {
        guard count >= 0 else { throw .fail(.EINVAL, "access", "negative byte count \(count)") }
        var done = 0
        while done < count {
            let (at, overflow) = va.addingReportingOverflow(UInt64(done))
            if overflow { throw try segv(p, va, access, .nonCanonical) }
            let n = min(Int(pageBytes - (at & (pageBytes - 1))), count - done)
            let pa = try translate(p, at, access, privilege: privilege)
            try body(pa, n)
            done += n
        }
        if count == 0 { try checkAlive(p, "access") }
    }
}

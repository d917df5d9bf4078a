/// The balloon driver (virtio-balloon): a driver inside the guest takes guest pages from the
/// guest's own allocator, so the guest can no longer use them, and tells the hypervisor, which
/// frees the host frames behind them (or their swap copies). Deflating gives the pages back to
/// the guest; they get host frames again lazily, on their next EPT violation.
extension Guest {
    /// Sets the balloon to `bytes` (whole pages): inflates by taking free guest frames (asking
    /// the guest kernel to reclaim when it has a replacement policy and runs short) and freeing
    /// their host backing; deflates by giving frames back, most recent first. Returns the bytes
    /// the balloon holds afterwards, which is less than asked when the guest cannot spare more.
    /// Throws `invalidLength` for a size that is not a whole number of pages or exceeds guest
    /// memory.
    @discardableResult
    public func balloon(bytes: UInt64) throws(VMError) -> UInt64 {
        let pageBytes = machine.mode.pageBytes
        guard bytes % pageBytes == 0, bytes <= machine.memory.bytes else {
            throw .invalidLength(what: "balloon (at most the guest's \(Units.size(machine.memory.bytes)))", bytes: bytes, multipleOf: pageBytes)
        }
        let target = Int(bytes / pageBytes)
        while balloonFrames.count > target, let frame = balloonFrames.popLast() {
            try machine.freeFrames(first: frame, order: 0)
        }
        while balloonFrames.count < target, let frame = takeGuestFrame() {
            balloonFrames.append(frame)
            if backing.release(page: frame) { stats.balloonFreed += 1 }
        }
        stats.balloonPages = balloonFrames.count
        return UInt64(balloonFrames.count) * pageBytes
    }

    /// A free guest frame for the balloon, reclaiming in the guest kernel if it has a policy;
    /// nil when the guest has none to spare.
    func takeGuestFrame() -> UInt64? {
        if let frame = try? machine.allocateFrames(order: 0, state: .allocated, owner: balloonOwner, purpose: "the balloon") {
            return frame
        }
        guard let kernel = machine.kernelStorage, kernel.reclaimer != nil, kernel.reclaim(until: 1, thorough: true) > 0 else {
            return nil
        }
        return try? machine.allocateFrames(order: 0, state: .allocated, owner: balloonOwner, purpose: "the balloon")
    }
}

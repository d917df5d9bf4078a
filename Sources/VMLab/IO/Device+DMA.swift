/// DMA through the IOMMU: the IOTLB, the I/O page-table walk, and the transfers.
extension Device {
    /// Translates the page of `iova` for a DMA `direction` (`.read`: the device reads memory;
    /// `.write`: it writes memory) as the IOMMU does: IOTLB lookup; on a miss, a walk of the I/O
    /// table (and, for a guest's device, of the guest's EPT), the mapping's access check and an
    /// IOTLB fill. Returns the host-physical address of `iova`, or the reason of the fault
    /// (counted, not logged: `dmaRead`/`dmaWrite` log it). No allocation.
    @inline(__always)
    public func translate(iova: UInt64, direction: AccessKind) -> (address: UInt64, fault: DMAFaultReason?) {
        counters.pointee.translations &+= 1
        let need = direction == .write ? TLBMeta.writable : TLBMeta.readable
        let slot = iotlb.lookup(iova, tag: 0, need: need)
        if slot >= 0 {
            counters.pointee.iotlbHits &+= 1
            counters.pointee.cycles &+= currentCosts().hit
            return (iotlb.bases[slot] | (iova & pageMask), nil)
        }
        counters.pointee.iotlbMisses &+= 1
        return walkIOTable(iova, direction)
    }

    /// The IOTLB-miss path of `translate`: walks, checks, fills.
    func walkIOTable(_ iova: UInt64, _ direction: AccessKind) -> (address: UInt64, fault: DMAFaultReason?) {
        counters.pointee.walks &+= 1
        let saved = host.counters.values             // I/O walks are not CPU walks
        defer { host.counters.values = saved }
        guard iova < ioSpaceBytes else { return (0, .unmapped) }
        let t = table.translate(iova, access: direction == .write ? .write : .read, privilege: .supervisor)
        var references = t.references
        defer {
            counters.pointee.walkReferences &+= references
            counters.pointee.cycles &+= references &* currentCosts().memoryReference
        }
        if let fault = t.fault {
            return (0, fault.reason == .writeProtected ? .readOnly : .unmapped)
        }
        let page = iova & ~pageMask
        guard let mapping = mappings[page] else { return (0, .unmapped) }
        guard mapping.access.allows(direction) else { return (0, direction == .write ? .readOnly : .writeOnly) }
        var hostPage = t.physicalAddress & ~pageMask
        if let guest {
            var e = guest.ept.translate(hostPage, access: direction == .write ? .write : .read, privilege: .user)
            if e.isFault {
                // Not backed (or no longer): the hypervisor backs it, as on an EPT violation.
                references &+= e.references
                guard (try? guest.touch(gpa: hostPage)) != nil else { return (0, .secondStage) }
                e = guest.ept.translate(hostPage, access: direction == .write ? .write : .read, privilege: .user)
                guard !e.isFault else { return (0, .secondStage) }
            }
            references &+= e.references
            hostPage = e.physicalAddress & ~pageMask
        }
        let flags = (mapping.access.allowsRead ? TLBMeta.readable : 0) | (mapping.access.allowsWrite ? TLBMeta.writable : 0)
        iotlb.fill(iova, sizeIndex: 0, base: hostPage, flags: flags, tag: 0)
        return (hostPage | (iova & pageMask), nil)
    }

    /// Translates every page of `[iova, iova + count)` for `direction` into `pages` (host
    /// page addresses). Returns the first fault (logged), or nil when all pages translate.
    func translateAll(_ iova: UInt64, count: Int, _ direction: AccessKind, call: String) throws(DeviceError) -> DMAFault? {
        try checkOpen()
        guard count >= 0 else { throw .invalid(device: name, call: call, message: "the size must not be negative") }
        guard UInt64(count) <= host.memory.bytes else {
            throw .invalid(device: name, call: call, message:
                "\(Units.size(UInt64(count))) is more than the machine's memory (\(Units.size(host.memory.bytes)))")
        }
        let end = iova.addingReportingOverflow(UInt64(count))
        guard !end.overflow else {
            throw .invalid(device: name, call: call, message: "iova \(Units.hex(iova)) + \(count) bytes overflows")
        }
        pages.removeAll(keepingCapacity: true)
        guard count > 0 else { return nil }
        var page = iova & ~pageMask
        let last = (end.partialValue - 1) & ~pageMask
        while true {
            let at = max(page, iova)
            let r = translate(iova: at, direction: direction)
            if let reason = r.fault {
                let fault = DMAFault(iova: at, access: direction, reason: reason)
                recordFault(fault)
                return fault
            }
            pages.append(r.address & ~pageMask)
            if page == last { break }
            page += pageBytes
        }
        return nil
    }

    /// Calls `body(pa, done, n)` for each run of physically contiguous pages of the DMA just
    /// translated (`pages`), in order: `n` bytes at host-physical `pa`, the DMA's bytes
    /// `done ..< done + n`. A buffer of contiguous frames is one run, one copy.
    func forEachRun(_ iova: UInt64, count: Int, _ body: (UInt64, Int, Int) throws(VMError) -> Void) throws(VMError) {
        var done = 0
        var i = 0
        var offset = iova & pageMask
        while i < pages.count && done < count {
            var end = i + 1
            while end < pages.count && pages[end] == pages[end - 1] + pageBytes { end += 1 }
            let n = min(Int(UInt64(end - i) * pageBytes - offset), count - done)
            try body(pages[i] + offset, done, n)
            done += n
            offset = 0
            i = end
        }
    }

    /// The device reads `count` bytes of memory at `iova` (DMA to the device). Returns the
    /// bytes, or the fault that stopped the transfer (logged in `faults`). Throws for a closed
    /// device or a size beyond the machine.
    public func dmaRead(iova: UInt64, count: Int) throws(DeviceError) -> Result<[UInt8], DMAFault> {
        if let fault = try translateAll(iova, count: count, .read, call: "dma_read") { return .failure(fault) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        let memory = host.memory
        do {
            try forEachRun(iova, count: count) { (pa, _, n) throws(VMError) in bytes += try memory.readBytes(pa, count: n) }
        } catch {
            throw .failed(device: name, call: "dma_read", message: error.description)
        }
        counters.pointee.dmaReads += 1
        counters.pointee.bytesRead += count
        return .success(bytes)
    }

    /// The device writes `data` to memory at `iova` (DMA from the device). Returns nil when done,
    /// or the fault that stopped it (logged in `faults`; memory unchanged). Throws for a closed
    /// device or a size beyond the machine.
    public func dmaWrite(iova: UInt64, _ data: [UInt8]) throws(DeviceError) -> DMAFault? {
        if let fault = try translateAll(iova, count: data.count, .write, call: "dma_write") { return fault }
        let memory = host.memory
        do {
            try forEachRun(iova, count: data.count) { (pa, done, n) throws(VMError) in
                try memory.writeBytes(pa, n == data.count ? data : Array(data[done..<(done + n)]))
            }
        } catch {
            throw .failed(device: name, call: "dma_write", message: error.description)
        }
        counters.pointee.dmaWrites += 1
        counters.pointee.bytesWritten += data.count
        return nil
    }
}

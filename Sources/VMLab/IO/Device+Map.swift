/// Mapping and unmapping I/O pages (the IOMMU driver's side: `iommu_map`/`iommu_unmap`).
extension Device {
    /// Maps `buffer` at `iova` for `access`, page by page. `iova` (and a physical buffer's
    /// address, a process buffer's va) must be page aligned; sizes round up to whole pages.
    /// A process page is faulted in (for a write when the device may write it: a COW page is
    /// broken first) and must be pinned — by mlock, or by `pin: true`, which pins it until unmap.
    /// Throws `alreadyMapped` when a page of the range is mapped, `invalid` for bad addresses,
    /// sizes or an unpinned page, `failed` when the kernel or the hardware refuses; on an
    /// error nothing stays mapped or pinned.
    public func map(iova: UInt64, _ buffer: DMABuffer, access: DMAAccess) throws(DeviceError) {
        try checkOpen()
        let bytes: UInt64
        switch buffer {
        case let .physical(_, size): bytes = size
        case let .process(_, _, size, _): bytes = size
        }
        let pageCount = try checkIOVARange(iova, bytes: bytes, call: "map")
        for i in 0..<pageCount where mappings[iova + i * pageBytes] != nil {
            throw .alreadyMapped(device: name, iova: iova + i * pageBytes)
        }
        var done: [UInt64] = []
        do throws(DeviceError) {
            switch buffer {
            case let .physical(address, _):
                try checkPhysical(address, pages: pageCount)
                for i in 0..<pageCount {
                    let page = iova + i * pageBytes
                    try mapPage(page, address: address + i * pageBytes, access: access, processFrame: nil)
                    done.append(page)
                }
            case let .process(p, va, _, pin):
                try checkProcess(p, va: va, pages: pageCount)
                for i in 0..<pageCount {
                    let page = iova + i * pageBytes
                    let frame = try faultInPinned(p, va: va + i * pageBytes, access: access, pin: pin)
                    do throws(DeviceError) {
                        try mapPage(page, address: target.memory.address(frame: frame), access: access, processFrame: frame)
                    } catch {
                        target.dmaPins.release(frame, in: target, kernel: p.kernel, reference: true)
                        throw error
                    }
                    done.append(page)
                }
            }
        } catch {
            for page in done { try? unmapPage(page) }
            throw error
        }
    }

    /// Unmaps `bytes` (rounded up to pages, default one page) at page-aligned `iova`: clears the
    /// I/O PTEs, invalidates the IOTLB entries, drops the references and pins the mappings
    /// held. Throws `notMapped` (and changes nothing) when a page of the range is not mapped.
    public func unmap(iova: UInt64, bytes: UInt64? = nil) throws(DeviceError) {
        try checkOpen()
        let pageCount = try checkIOVARange(iova, bytes: bytes ?? pageBytes, call: "unmap")
        for i in 0..<pageCount where mappings[iova + i * pageBytes] == nil {
            throw .notMapped(device: name, iova: iova + i * pageBytes)
        }
        for i in 0..<pageCount { try unmapPage(iova + i * pageBytes) }
    }

    /// Checks an IOVA range (aligned, non-empty, inside the I/O address space) and returns its
    /// number of pages.
    func checkIOVARange(_ iova: UInt64, bytes: UInt64, call: String) throws(DeviceError) -> UInt64 {
        guard iova & pageMask == 0 else {
            throw .invalid(device: name, call: call, message: "iova \(Units.hex(iova)) is not aligned to \(Units.size(pageBytes))")
        }
        guard bytes > 0 else { throw .invalid(device: name, call: call, message: "the size must be at least one byte") }
        guard bytes <= target.memory.bytes else {
            throw .invalid(device: name, call: call, message:
                "\(Units.size(bytes)) is more than the machine's memory (\(Units.size(target.memory.bytes)))")
        }
        let pages = (bytes + pageMask) / pageBytes
        let end = iova.addingReportingOverflow(pages * pageBytes)
        guard !end.overflow, end.partialValue <= ioSpaceBytes else {
            throw .invalid(device: name, call: call, message:
                "iova \(Units.hex(iova)) + \(Units.size(pages * pageBytes)) goes beyond the I/O address space (\(Units.hex(ioSpaceBytes)))")
        }
        return pages
    }

    /// Checks a physical buffer: aligned and inside the target's memory.
    func checkPhysical(_ address: UInt64, pages: UInt64) throws(DeviceError) {
        let what = guest == nil ? "pa" : "guest-physical address"
        guard address & pageMask == 0 else {
            throw .invalid(device: name, call: "map", message: "\(what) \(Units.hex(address)) is not aligned to \(Units.size(pageBytes))")
        }
        do { try target.memory.checkRange(address, width: pages * pageBytes) } catch {
            throw .invalid(device: name, call: "map", message: error.description)
        }
    }

    /// Checks a process buffer: a live process of the target machine, page-aligned va.
    func checkProcess(_ p: Process, va: UInt64, pages: UInt64) throws(DeviceError) {
        guard p.isAlive else { throw .invalid(device: name, call: "map", message: "pid \(p.pid) has exited") }
        guard p.space.machine === target else {
            throw .invalid(device: name, call: "map", message: guest == nil
                ? "pid \(p.pid) runs on another machine (a guest's process needs a device assigned to that guest)"
                : "pid \(p.pid) is not a process of the guest this device is assigned to")
        }
        guard va & pageMask == 0 else {
            throw .invalid(device: name, call: "map", message: "buffer va \(Units.hex(va)) is not aligned to \(Units.size(pageBytes))")
        }
        guard !va.addingReportingOverflow(pages * pageBytes).overflow else {
            throw .invalid(device: name, call: "map", message: "buffer va \(Units.hex(va)) + size overflows")
        }
    }

    /// Faults in the page of `p` at `va` (for a write when the device may write), checks that it
    /// is a base page that is pinned or may be pinned (`pin`), and holds it: a reference, and the
    /// pin when `pin`. Returns its frame.
    func faultInPinned(_ p: Process, va: UInt64, access: DMAAccess, pin: Bool) throws(DeviceError) -> UInt64 {
        guard let kernel = p.kernel else { throw .failed(device: name, call: "map", message: "pid \(p.pid) has no kernel") }
        let pa: UInt64
        do {
            pa = try kernel.translate(p, va, access.allowsWrite ? .write : .read)
        } catch {
            throw .failed(device: name, call: "map", message: "faulting in the buffer page at \(Units.hex(va)): \(error.description)")
        }
        let size = (try? p.space.lookup(va))?.pageBytes ?? pageBytes
        guard size == pageBytes else {
            throw .invalid(device: name, call: "map", message:
                "the buffer page at \(Units.hex(va)) is a \(Units.size(size)) huge page; this IOMMU maps base pages of process buffers only")
        }
        let frame = pa >> UInt64(target.mode.pageBits)
        let pinned = (try? target.memory.info(frame: frame))?.pinned ?? false
        guard pinned || pin else {
            throw .invalid(device: name, call: "map", message:
                "the buffer page at \(Units.hex(va)) of pid \(p.pid) is not pinned: mlock it or pass pin = true (the kernel could swap it out under the device's DMA)")
        }
        target.dmaPins.hold(frame, in: target, kernel: kernel, reference: true, pin: pin)
        return frame
    }

    /// Writes the I/O PTE for one page at `iova` → `address` (in the target machine) and
    /// records it; for a guest's device, backs and pins the host frame of the guest page.
    func mapPage(_ iova: UInt64, address: UInt64, access: DMAAccess, processFrame: UInt64?) throws(DeviceError) {
        var hostFrame: UInt64?
        if let guest {
            let hpa: UInt64
            do { hpa = try guest.touch(gpa: address) } catch {
                throw .failed(device: name, call: "map", message: "backing guest-physical \(Units.hex(address)): \(error.description)")
            }
            hostFrame = hpa >> UInt64(host.mode.pageBits)
        }
        do {
            try table.map(iova, to: address, pageBytes: pageBytes, flags: MapFlags(writable: access.allowsWrite))
        } catch {
            throw .failed(device: name, call: "map", message: error.description)
        }
        if let hostFrame { host.dmaPins.hold(hostFrame, in: host, kernel: nil, reference: false, pin: true) }
        mappings[iova] = DeviceMapping(address: address, access: access, processFrame: processFrame, hostFrame: hostFrame)
        counters.pointee.pagesMapped += 1
    }

    /// Removes the mapping of the page at `iova`: the PTE, its IOTLB entry, its holds.
    func unmapPage(_ iova: UInt64) throws(DeviceError) {
        guard let mapping = mappings.removeValue(forKey: iova) else { throw .notMapped(device: name, iova: iova) }
        do { try table.unmap(iova, length: pageBytes) } catch {
            throw .failed(device: name, call: "unmap", message: error.description)
        }
        counters.pointee.invalidations += iotlb.invalidate(iova, tag: 0)
        counters.pointee.pagesUnmapped += 1
        if let frame = mapping.processFrame {
            target.dmaPins.release(frame, in: target, kernel: target.existingKernel, reference: true)
        }
        if let frame = mapping.hostFrame { host.dmaPins.release(frame, in: host, kernel: nil, reference: false) }
    }
}

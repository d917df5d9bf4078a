/// A DMA-capable device behind the IOMMU (Intel VT-d, AMD-Vi, Arm SMMU, RISC-V IOMMU): the
/// addresses it puts on the bus are I/O virtual addresses (IOVAs), translated by the IOMMU
/// through the device's own I/O page table — a real `PageTable` in host memory, in the host's
/// paging mode and PTE format, walked by the same walker as the CPU's tables — and cached in the
/// device's own IOTLB (a `TLB`, tag 0: one IOTLB per device, as a per-device context cache plus
/// ATC would behave; no entry of one device can serve another).
///
/// A device of the host (`guest == nil`) maps IOVAs to host-physical addresses. A device
/// assigned to a guest maps IOVAs to guest-physical addresses, and the IOMMU's second stage —
/// the guest's EPT (`Guest.ept`) — turns those into host-physical ones, so an IOTLB miss walks
/// both tables; the IOTLB caches the composed IOVA → host-physical translation.
///
/// What the model approximates:
/// - I/O mappings are base pages (no huge I/O pages); the I/O address space is the lower half
///   of the mode's virtual addresses (`[0, 2^(va_bits-1))` for sign-extended modes).
/// - The PTE format has no "readable" bit on x86, so the IOMMU keeps each page's `DMAAccess`
///   beside the table and checks it on an IOTLB miss (a write-only page reads as a fault).
/// - Walks of the I/O table set Accessed/Dirty bits like the CPU walker; they do not count in
///   the machine's CPU counters (`Machine.counters`), only in `stats`.
/// - A DMA is all or nothing: every page is translated first; a fault on any page stops the
///   whole transfer and nothing is read or written.
public final class Device {
    /// The name given at creation ("nic", "disk"…).
    public let name: String
    /// The machine the IOMMU belongs to: its memory holds the I/O page table and receives the DMA.
    public let host: Machine
    /// The guest the device is assigned to, or nil.
    public let guest: Guest?
    /// The I/O page table (IOVA → physical address of `target`).
    public let table: PageTable
    /// The device's IOTLB.
    public let iotlb: TLB
    /// Counters.
    public var stats: DeviceStats { counters.pointee }
    /// Where the counters live: one heap block bumped without exclusivity checks.
    let counters: UnsafeMutablePointer<DeviceStats>
    /// The costs translations charge, refreshed when the machine's change.
    let costs: UnsafeMutablePointer<DeviceCosts>
    /// The fault log, oldest first (at most `faultLogLimit` entries; `faultsDropped` counts the rest).
    public internal(set) var faults: [DMAFault] = []
    /// Faults not logged because the log was full.
    public internal(set) var faultsDropped = 0
    /// False after `close()`.
    public internal(set) var isOpen = true
    /// The mapped pages, by IOVA page.
    var mappings: [UInt64: DeviceMapping] = [:]
    /// Host-physical page of each page of the DMA in progress (reused: no allocation per DMA).
    var pages: ContiguousArray<UInt64> = []
    let pageBytes: UInt64
    let pageMask: UInt64

    /// How many faults the log keeps.
    public static let faultLogLimit = 4096

    /// A device on `host` (assigned to `guest` when given: `guest.host` must be `host`) whose
    /// IOTLB has the geometry of `iotlb` (its page sizes are ignored: base pages only).
    /// Throws `invalidConfiguration` for a bad IOTLB geometry or a guest of another machine,
    /// `outOfMemory` when there is no frame for the I/O table's root.
    public init(name: String, host: Machine, guest: Guest? = nil,
                iotlb: TLBLevelConfiguration = TLBLevelConfiguration(name: "IOTLB", entries: 64, ways: 4)) throws(VMError) {
        if let guest, guest.host !== host {
            throw .invalidConfiguration(what: "device '\(name)'", reason: "the guest runs on another machine")
        }
        try ProcessorConfiguration.checkGeometry(what: "IOTLB of device '\(name)'", entries: iotlb.entries,
                                                 ways: iotlb.ways, replacement: iotlb.replacement)
        self.name = name
        self.host = host
        self.guest = guest
        self.table = try host.makePageTable()
        self.pageBytes = host.mode.pageBytes
        self.pageMask = host.mode.pageBytes - 1
        let seed = host.seed ^ (UInt64(truncatingIfNeeded: table.owner) &* 0xD1B5_4A32_D192_ED03)
        self.counters = .allocate(capacity: 1)
        self.counters.initialize(to: DeviceStats())
        self.costs = .allocate(capacity: 1)
        self.costs.initialize(to: DeviceCosts())
        self.iotlb = TLB(name: iotlb.name.isEmpty ? "IOTLB" : iotlb.name, entries: iotlb.entries, ways: iotlb.ways,
                         replacement: iotlb.replacement, kind: .unified,
                         held: [(sizeIndex: 0, shift: host.mode.pageBits)], shared: false, cpu: -1,
                         pageWalkCache: false, frameBits: host.mode.pageBits, seed: seed)
        host.openDevices += 1
    }

    deinit {
        close()
        counters.deinitialize(count: 1); counters.deallocate()
        costs.deinitialize(count: 1); costs.deallocate()
    }

    /// The machine whose physical addresses the I/O table maps to: the guest's for an assigned
    /// device (guest-physical), else the host.
    public var target: Machine { guest?.machine ?? host }

    /// Bytes of IOVA space: the lower half of the mode's virtual addresses when they are sign
    /// extended, all of them otherwise.
    public var ioSpaceBytes: UInt64 {
        let bits = host.mode.vaBits - (host.mode.canonical == .signExtended ? 1 : 0)
        return bits >= 64 ? UInt64.max : UInt64(1) << UInt64(bits)
    }

    /// Number of mapped pages.
    public var mappedPages: Int { mappings.count }

    /// The mapped pages, sorted by IOVA: (iova, physical address in `target`, access, pinned).
    public var mappingList: [(iova: UInt64, address: UInt64, access: DMAAccess, pinned: Bool)] {
        mappings.keys.sorted().compactMap { iova in
            mappings[iova].map { (iova, $0.address, $0.access, $0.processFrame != nil) }
        }
    }

    /// Unmaps everything (unpinning what the device pinned), frees the I/O page table and
    /// empties the IOTLB. Every later call throws `closed`. Closing twice does nothing.
    public func close() {
        guard isOpen else { return }
        for iova in mappings.keys.sorted() { try? unmapPage(iova) }
        try? table.release()
        iotlb.flushAll()
        isOpen = false
        host.openDevices -= 1
    }

    /// Throws `closed` once the device is closed.
    func checkOpen() throws(DeviceError) {
        guard isOpen else { throw .closed(device: name) }
    }

    /// The costs to charge, re-read from the machine's cost model when it changed.
    @inline(__always)
    func currentCosts() -> DeviceCosts {
        if costs.pointee.version != host.costsVersion.pointee {
            let model = host.costs
            costs.pointee = DeviceCosts(version: host.costsVersion.pointee, hit: model.tlbHit.first ?? 1,
                                        memoryReference: model.memoryReference)
        }
        return costs.pointee
    }

    /// Records a refused DMA in the stats and the log, and tells the host kernel's observers
    /// (a `dma_fault` event: device, iova, access, reason).
    func recordFault(_ fault: DMAFault) {
        counters.pointee.faultsByReason[DMAFaultReason.allCases.firstIndex(of: fault.reason) ?? 0] += 1
        if faults.count < Self.faultLogLimit { faults.append(fault) } else { faultsDropped += 1 }
        host.existingKernel?.emit("dma_fault", [
            ("device", .text(name)), ("iova", .integer(Int(Int64(bitPattern: fault.iova)))),
            ("access", .text(fault.access == .write ? "w" : "r")), ("reason", .text(fault.reason.rawValue)),
        ])
    }

    /// Sets the counters back to zero and empties the fault log (IOTLB contents stay).
    public func resetStats() {
        counters.pointee = DeviceStats()
        faults = []
        faultsDropped = 0
        iotlb.resetStats()
    }
}

/// One mapped I/O page.
struct DeviceMapping {
    /// Physical address of the page in the device's target machine.
    var address: UInt64
    /// What the device may do.
    var access: DMAAccess
    /// For a process page: its frame in the target machine (a reference is held on it).
    var processFrame: UInt64?
    /// For a guest's device: the host frame backing the guest-physical page (pinned).
    var hostFrame: UInt64?
}

/// A virtual machine hosted by a `Machine`, with nested paging (Intel EPT, AMD NPT, RISC-V
/// G-stage): the guest is itself a `Machine` whose physical memory is the guest-physical address
/// space — its page tables and data live there and the whole `PageTable` API works unchanged —
/// and guest-physical pages are backed by host frames through the `ept`, a page table in the
/// host's memory and paging mode whose "virtual" addresses are guest-physical addresses.
///
/// The EPT is filled lazily: the first time a guest-physical page is touched by a nested walk
/// (or by `touch`), an EPT violation allocates a host frame and maps it. A guest nobody touched
/// costs the host one frame, the EPT root.
///
/// What the model approximates:
/// - The EPT/NPT uses the host's PTE format and levels (real EPT entries have their own R/W/X
///   format; NPT uses the host format). EPT entries are mapped writable and executable, so
///   only the guest's tables decide permissions.
/// - RISC-V G-stage: the host mode itself (Sv39 → 3 levels over a 39-bit guest-physical space)
///   stands for Sv39x4/Sv48x4, whose root is 4 pages wide for 2 more guest-physical bits; the
///   number of levels, and so the reference count, is the same.
/// - Guest bytes live only in the host frames the EPT maps (`backing`, GuestBacking.swift): the
///   guest machine's memory redirects every access there, so host eviction is real (double
///   paging) and the hypervisor, not the host kernel's policy, chooses which guest pages go.
/// - Guests need pages of at least 4 KiB (the storage block of `PhysicalMemory`).
/// - No TLB and no page-walk cache in the nested walk: every walk reads (n+1)(m+1)−1 entries.
///
/// The guest's virtual CPUs share the host CPUs' TLBs, tagged with the guest's `vmid`, or have
/// structures of their own (`tlbSharing`, see `GuestTLBSharing`).
public final class Guest {
    /// The machine that hosts this guest (holds the EPT and the backing frames).
    public let host: Machine
    /// The guest's own machine: its memory is guest-physical memory.
    public let machine: Machine
    /// The EPT/NPT/G-stage table in host memory: guest-physical → host-physical.
    public var ept: PageTable { backing.ept }
    /// Where guest pages live on the host (frames, swap, reclaim).
    public let backing: GuestBacking
    /// How the guest's translations are virtualized.
    public let mode: GuestMode
    /// Guest frames the balloon driver holds (Guest+Balloon.swift).
    public internal(set) var balloonFrames: [UInt64] = []
    /// The owner id of balloon frames in the guest's frame metadata.
    let balloonOwner: Int32
    /// The VMID the host gave this guest (1 … 4095): the tag of its entries in TLB structures it
    /// shares with the host.
    public let vmid: Int
    /// Whether its virtual CPUs use the host CPUs' structures.
    public let tlbSharing: GuestTLBSharing
    /// Counters of nested paging.
    public internal(set) var stats: GuestStats {
        get { backing.stats }
        set { backing.stats = newValue }
    }

    /// A guest of `memoryBytes` of guest-physical memory using `mode` for its own page tables,
    /// on `host`. Allocates the EPT root in host memory (nothing else until pages are touched).
    /// `swapBytes` of host swap for its pages (0: none, its pages cannot be evicted) and at most
    /// `limitFrames` host frames at once (nil: no limit but the host's memory).
    /// Throws `invalidConfiguration` when the guest has more memory than the host, when its
    /// page size differs from the host's or is below 4 KiB, when its guest-physical space does
    /// not fit the host's address width, or for a negative limit; `outOfMemory` when the host
    /// has no frame for the EPT root.
    ///
    /// The virtual CPUs follow `processors` (default: one CPU, the default hierarchy). With
    /// `tlbSharing` `.shared` they use the host CPUs' structures (the configuration's `tlb` and
    /// `pageWalkCache` are ignored: they are the host's); nil chooses `.shared` when the guest
    /// asks for no hardware of its own (`processors` nil, or with no `tlb`, the default page-walk
    /// cache and no software-managed TLB) and sharing is possible, else `.private`. An explicit
    /// `.shared` that is not possible throws `invalidConfiguration` saying why.
    public init(host: Machine, memoryBytes: UInt64, mode: PagingMode, guestMode: GuestMode = .nested,
                processors: ProcessorConfiguration? = nil, tlbSharing: GuestTLBSharing? = nil,
                swapBytes: UInt64 = 0, limitFrames: Int? = nil, nestedPWCEntries: Int = 16,
                eptPageBytes: UInt64? = nil) throws(VMError) {
        if let table = host.hashedPageTable {
            throw .invalidConfiguration(what: "guest", reason: "the nested walk reads a radix EPT level by level; this host has a\(table.kind == .inverted ? "n" : "") \(table.kind.rawValue) page table")
        }
        guard memoryBytes <= host.memory.bytes else {
            throw .invalidConfiguration(what: "guest memory", reason:
                "\(Units.size(memoryBytes)) is more than the host's \(Units.size(host.memory.bytes))")
        }
        guard mode.pageBytes == host.mode.pageBytes else {
            throw .invalidConfiguration(what: "guest paging", reason:
                "\(mode.name) has \(Units.size(mode.pageBytes)) pages, the host's \(host.mode.name) \(Units.size(host.mode.pageBytes)): nested paging needs the same page size")
        }
        guard mode.pageBytes >= PhysicalMemory.blockBytes else {
            throw .invalidConfiguration(what: "guest paging", reason:
                "\(mode.name) has \(Units.size(mode.pageBytes)) pages: guests need pages of at least 4 KiB")
        }
        guard swapBytes % host.mode.pageBytes == 0, swapBytes <= UInt64(Kernel.maxDeviceSlots) * host.mode.pageBytes else {
            throw .invalidConfiguration(what: "guest swap", reason:
                "\(Units.size(swapBytes)) is not a whole number of pages up to \(Kernel.maxDeviceSlots) pages")
        }
        guard nestedPWCEntries >= 0, nestedPWCEntries <= 4096, nestedPWCEntries & (nestedPWCEntries - 1) == 0 else {
            throw .invalidConfiguration(what: "nested page-walk cache", reason: "\(nestedPWCEntries) entries: use 0 or a power of two up to 4096")
        }
        let eptPage = eptPageBytes ?? host.mode.pageBytes
        guard host.mode.leafLevel(pageBytes: eptPage) != nil else {
            throw .invalidConfiguration(what: "EPT page size", reason:
                "\(Units.size(eptPage)) is not a page size of the host's \(host.mode.name) (\(host.mode.supportedPageSizes.map(Units.size).joined(separator: ", ")))")
        }
        guard memoryBytes % eptPage == 0 else {
            throw .invalidConfiguration(what: "guest memory", reason:
                "\(Units.size(memoryBytes)) is not a whole number of \(Units.size(eptPage)) EPT pages")
        }
        if let limitFrames, limitFrames < 1 {
            throw .invalidConfiguration(what: "guest limit", reason: "a guest needs at least one host frame, not \(limitFrames)")
        }
        let guestMachine = try Machine(memoryBytes: memoryBytes, mode: mode, seed: host.seed, costs: host.costs)
        do {
            try host.mode.checkCanonical(memoryBytes - 1)
        } catch {
            throw .invalidConfiguration(what: "guest memory", reason:
                "guest-physical addresses up to \(Units.hex(memoryBytes - 1)) do not fit the host's \(host.mode.name) EPT")
        }
        var configuration = processors ?? ProcessorConfiguration()
        if configuration.softwareTLB { throw Self.softwareTLBRefused }
        let hostProcessors = host.processors
        let obstacle = Self.sharingObstacle(mode: mode, configuration: configuration, host: hostProcessors)
        let ownHardware = configuration.tlb != nil || configuration.pageWalkCache != PageWalkCacheConfiguration()
        let sharing = tlbSharing ?? (obstacle == nil && !ownHardware ? .shared : .private)
        if sharing == .shared, let obstacle {
            throw .invalidConfiguration(what: "guest TLB sharing", reason: obstacle)
        }
        let vmid = try hostProcessors.allocateVMID()
        do {
            if sharing == .shared {
                configuration.tlb = hostProcessors.configuration.tlb
                configuration.pageWalkCache = hostProcessors.configuration.pageWalkCache
                try guestMachine.configureProcessors(configuration, sharingWith: hostProcessors, vmid: vmid)
            } else {
                try guestMachine.configureProcessors(configuration)
            }
        } catch {
            hostProcessors.releaseVMID(vmid)
            throw error
        }
        self.vmid = vmid
        self.tlbSharing = sharing
        self.host = host
        self.machine = guestMachine
        self.mode = guestMode
        self.balloonOwner = guestMachine.makeOwnerID()
        do {
            self.backing = try GuestBacking(host: host, guestBytes: memoryBytes, swapBytes: swapBytes,
                                            limitFrames: limitFrames ?? Int.max, nestedPWCEntries: nestedPWCEntries,
                                            shadowPaging: guestMode == .shadow, eptPageBytes: eptPage)
        } catch {
            hostProcessors.releaseVMID(vmid)
            throw error
        }
        backing.guestMachine = guestMachine
        guestMachine.memory.guestBacking = backing
        host.hostedGuests += 1
    }

    deinit {
        host.hostedGuests -= 1
        host.processors.releaseVMID(vmid)
    }

    /// The error for a guest's CPUs with a software-managed TLB: a guest's TLB misses go through
    /// the nested MMU (GuestBacking+NestedMMU.swift), which extends the hardware walker.
    static let softwareTLBRefused = VMError.invalidConfiguration(what: "software-managed TLB", reason:
        "a guest's TLB misses go through the nested MMU, which extends the hardware walker; a software refill would skip the EPT")

    /// Why this guest's virtual CPUs cannot share `host`'s structures, or nil when they can.
    static func sharingObstacle(mode: PagingMode, configuration: ProcessorConfiguration, host: Processors) -> String? {
        let hostMode = host.machine.mode
        if mode.supportedPageSizes != hostMode.supportedPageSizes || mode.levels != hostMode.levels
            || (0..<mode.levels).contains(where: { mode.indexShift(level: $0) != hostMode.indexShift(level: $0) }) {
            return "the guest's \(mode.name) has other page sizes or levels than the host's \(hostMode.name): use private TLBs"
        }
        if configuration.cpus > host.cpus.count {
            return "\(configuration.cpus) virtual CPUs, but the host has \(host.cpus.count) CPU(s) to run them on"
        }
        if host.configuration.softwareTLB {
            return "a software-managed TLB is refilled by its own machine's handler: use private TLBs"
        }
        return nil
    }

    /// The host-physical address backing guest-physical `gpa`, without allocating (nil when the
    /// page has not been touched yet). Throws when `gpa` is outside guest memory.
    public func hostAddress(gpa: UInt64) throws(VMError) -> UInt64? {
        try machine.memory.checkRange(gpa, width: 1)
        return try ept.lookup(gpa)?.physicalAddress
    }

    /// Backs the guest-physical page holding `gpa` with a host frame if it has none (an EPT
    /// violation: allocates and maps one, counted) and returns the host-physical address of
    /// `gpa`. Throws when `gpa` is outside guest memory or the host is out of memory.
    @discardableResult
    public func touch(gpa: UInt64) throws(VMError) -> UInt64 {
        try machine.memory.checkRange(gpa, width: 1)
        return try backing.back(gpa)
    }
}

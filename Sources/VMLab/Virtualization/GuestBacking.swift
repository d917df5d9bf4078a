/// The hypervisor's side of one guest's memory: where each guest-physical page really lives.
///
/// A guest's bytes are stored **only in host frames**. The guest `Machine`'s `PhysicalMemory`
/// keeps no data of its own: every access to it (the guest kernel's reads and writes, the guest
/// walker's PTE reads and Accessed/Dirty updates) is redirected here, to the host frame that the
/// EPT maps for that guest page (`PhysicalMemory.guestBacking`).
///
/// Each guest page is in one of three states, kept in a per-page table beside the EPT (KVM's
/// memslot reverse map; the EPT is what the nested walk reads, this table what the hypervisor
/// reads to find a page quickly):
/// ```
///   never backed   no EPT entry; reads as zeros; the first access is an EPT violation that
///                  allocates a host frame (zeroed) and maps it in the EPT
///   resident       the EPT maps it to a host frame, which holds its bytes
///   swapped        the hypervisor evicted it: its bytes are in the guest's swap (`swap`), the EPT
///                  entry is a non-present swap entry (slot + 1 in the frame field); the next access
///                  is an EPT violation that reads it back into a fresh host frame (a host swap-in)
/// ```
///
/// Every EPT violation is a VM exit: it costs `exitCycles` (plus the swap's read latency when
/// the page is read back from swap) on the guest machine's cycles and in `stats.exitCycles`.
///
/// **How host reclaim sees guest pages.** Not through the host kernel's replacement policy, which
/// cannot reclaim them: its frame table holds only the frames the host kernel's own faults map
/// for its processes, and guest frames are allocated here, owned by the EPT. The
/// hypervisor owns the frames backing its guests and reclaims them itself, with a clock over the
/// guest's resident pages that reads and clears the EPT leaves' Accessed bits (set by nested
/// walks). It evicts when the guest holds `limitFrames` host frames and needs one more (a memory
/// limit, like a cgroup's `memory.max` on the VM's process), when the host has no free frame
/// (after asking the host kernel, if any, to reclaim first), or when asked (`Guest.reclaim`).
/// The guest kernel knows nothing of it: a page it thinks resident may be on the host's swap —
/// double paging.
///
/// Host frames pinned by someone else (`FrameInfo.pinned`, e.g. a device DMA mapping) are never
/// evicted.
public final class GuestBacking {
    /// The host machine whose frames hold the guest's bytes.
    public let host: Machine
    /// The EPT/NPT/G-stage: guest-physical → host-physical.
    public let ept: PageTable
    /// log2 of the page size (the same in guest and host).
    let pageBits: UInt64
    /// Bytes per page.
    let pageBytes: UInt64
    /// Number of guest-physical pages.
    public let guestPages: UInt64
    /// The guest's swap on the host (a swap file of the VM), or nil: guest pages cannot be evicted.
    public let swap: SwapDevice?
    /// Most host frames the guest may hold at once (EPT tables not included).
    public let limitFrames: Int
    /// Counters.
    var stats = GuestStats()
    /// An error met where it could not be thrown (a write through the walker's unchecked path
    /// that needed a host frame none could give); thrown by the next checked access.
    var failure: VMError?
    /// Per guest page, in chunks of 4096 allocated on first use: 0 never backed,
    /// `frame << 2 | 1` resident, `slot << 2 | 2` swapped.
    let chunks: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>
    let chunkCount: Int
    /// The clock hand of reclaim (a guest page number).
    var hand: UInt64 = 0
    /// A block that takes writes that had nowhere to go (after a failure).
    let scratch: UnsafeMutableRawPointer
    /// The guest machine whose memory this backs (it owns this object, so it outlives it; not
    /// retained, which would be a cycle). Set by `Guest.init`.
    unowned(unsafe) var guestMachine: Machine?
    /// The nested page-walk cache (GuestBacking+NestedMMU.swift): per slot, guest page number + 1
    /// of a guest table page whose host frame is known, or 0.
    let nestedPWC: UnsafeMutablePointer<UInt64>
    /// Its number of slots (a power of two, or 0: none).
    public let nestedPWCEntries: Int
    /// Per reference count r of a successful EPT walk (1 … host levels), the size of the leaf it
    /// ended at (host level r − 1): the EPT leaf size of a data page, for splintering.
    let eptLeafBytesAfter: UnsafeMutablePointer<UInt64>
    /// The shadow tables when the guest runs under shadow paging (ShadowPaging.swift), else nil.
    public let shadow: ShadowPaging?
    /// Cycles of exits met by unchecked accesses (the guest walker's reads of evicted table
    /// pages) since the last `walkSecondDimension`, which moves them into its access. (A script's
    /// own walk of a guest space, `PageTable.walk`, leaves them to the next CPU walk.)
    var walkerExitCycles = 0
    /// Cycles of one VM exit and re-entry, whatever its reason (EPT violations, shadow faults,
    /// trapped PTE writes, Accessed/Dirty updates): see `GuestStats.exits`.
    public var exitCycles = 1_000
    /// Size of the EPT's pages: the base page size, or a huge page size of the host (2 MiB,
    /// 1 GiB on x86_64), in which case a whole aligned block is backed at the first touch of any
    /// of its pages, and never evicted or ballooned (the hypervisor does not split EPT huge pages).
    public let eptPageBytes: UInt64

    static let chunkShift: UInt64 = 12
    static let resident: UInt64 = 1
    static let swapped: UInt64 = 2

    /// The backing of `guestBytes` of guest memory on `host`, with a fresh EPT root.
    init(host: Machine, guestBytes: UInt64, swapBytes: UInt64, limitFrames: Int, nestedPWCEntries: Int,
         shadowPaging: Bool, eptPageBytes: UInt64) throws(VMError) {
        self.eptPageBytes = eptPageBytes
        shadow = shadowPaging ? ShadowPaging() : nil
        self.host = host
        self.ept = try host.makePageTable()
        pageBits = UInt64(host.mode.pageBits)
        pageBytes = host.mode.pageBytes
        guestPages = guestBytes >> pageBits
        let slots = Int(swapBytes >> pageBits)
        swap = slots > 0 ? SwapDevice(slots: slots, pageBytes: Int(pageBytes), readLatency: host.costs.majorFault, writeLatency: host.costs.swapWrite) : nil
        self.limitFrames = limitFrames
        chunkCount = Int((guestPages + (1 << Self.chunkShift) - 1) >> Self.chunkShift)
        chunks = .allocate(capacity: chunkCount)
        chunks.initialize(repeating: nil, count: chunkCount)
        scratch = .allocate(byteCount: Int(PhysicalMemory.blockBytes), alignment: 64)
        self.nestedPWCEntries = nestedPWCEntries
        nestedPWC = .allocate(capacity: max(1, nestedPWCEntries))
        nestedPWC.initialize(repeating: 0, count: max(1, nestedPWCEntries))
        let levels = host.mode.levels
        eptLeafBytesAfter = .allocate(capacity: levels + 1)
        eptLeafBytesAfter.initialize(to: host.mode.pageBytes)
        for r in 1...levels { (eptLeafBytesAfter + r).initialize(to: host.mode.pageBytes(level: r - 1)) }
    }

    deinit {
        for c in 0..<chunkCount { chunks[c]?.deallocate() }
        chunks.deallocate()
        scratch.deallocate()
        nestedPWC.deallocate()
        eptLeafBytesAfter.deallocate()
    }

    // MARK: the per-page table

    /// The state word of guest page `page` (0 when never backed).
    @inline(__always)
    func state(_ page: UInt64) -> UInt64 {
        guard let chunk = chunks[Int(page >> Self.chunkShift)] else { return 0 }
        return chunk[Int(page & ((1 << Self.chunkShift) - 1))]
    }

    /// Sets the state word of guest page `page`.
    func setState(_ page: UInt64, _ word: UInt64) {
        let c = Int(page >> Self.chunkShift)
        if chunks[c] == nil {
            let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: 1 << Self.chunkShift)
            fresh.initialize(repeating: 0, count: 1 << Self.chunkShift)
            chunks[c] = fresh
        }
        chunks[c]![Int(page & ((1 << Self.chunkShift) - 1))] = word
    }

    /// The host-physical address of guest-physical `gpa` whose page is resident as `word`.
    @inline(__always)
    func hostAddress(_ word: UInt64, _ gpa: UInt64) -> UInt64 {
        ((word >> 2) << pageBits) | (gpa & (pageBytes - 1))
    }

    // MARK: storage for PhysicalMemory (the redirect)

    /// The host storage block holding guest-physical `gpa`, or nil when its page was never
    /// backed (it reads as zeros). A swapped page is read back first. Not inlined: it calls the
    /// host memory's own (inlined) storage functions, which call this one for a guest's memory —
    /// inlining both ways made the optimizer spin for tens of minutes.
    @inline(never)
    func existingBlock(_ gpa: UInt64) -> UnsafeMutableRawPointer? {
        let word = state(gpa >> pageBits)
        if word & 3 == Self.resident { return host.memory.existingBlock(hostAddress(word, gpa)) }
        if word == 0 { return nil }
        guard let pa = backForWalker(gpa) else { return nil }
        return host.memory.existingBlock(pa)
    }

    /// The host storage block holding guest-physical `gpa`, backing its page first if needed
    /// (not inlined, for the reason given at `existingBlock`).
    @inline(never)
    func block(_ gpa: UInt64) -> UnsafeMutableRawPointer {
        let word = state(gpa >> pageBits)
        if word & 3 == Self.resident { return host.memory.block(hostAddress(word, gpa)) }
        guard let pa = backForWalker(gpa) else { return scratch }
        return host.memory.block(pa)
    }

    /// `backOrRecord` for an unchecked access — the guest walker's (checked accesses back their
    /// pages first, in `prepare`): the cycles of its exit wait in `walkerExitCycles` for the
    /// CPU's `walkSecondDimension`, which adds them to the access that walked.
    func backForWalker(_ gpa: UInt64) -> UInt64? {
        let before = stats.exitCycles
        defer { walkerExitCycles &+= stats.exitCycles &- before }
        return backOrRecord(gpa)
    }

    /// `back(gpa)`, keeping a failure for the next checked access instead of throwing.
    func backOrRecord(_ gpa: UInt64) -> UInt64? {
        do { return try back(gpa) } catch {
            failure = error
            return nil
        }
    }

    /// Called by every checked access of guest memory: backs the pages of `[gpa, gpa + width)`
    /// (an EPT violation for each page never backed or swapped out), and throws the failure of
    /// an earlier unchecked access, if any.
    func prepare(_ gpa: UInt64, width: UInt64) throws(VMError) {
        if let failure {
            self.failure = nil
            throw failure
        }
        guard width > 0 else { return }
        var page = gpa >> pageBits
        let last = (gpa + width - 1) >> pageBits
        while page <= last {
            if state(page) & 3 != Self.resident { try back(page << pageBits) }
            page += 1
        }
    }

    /// Zeroes `[gpa, gpa + length)`: the host bytes of resident pages; a whole swapped page loses
    /// its swap copy and becomes never backed again… unless it is only partly zeroed, then it is
    /// read back first. Never-backed pages are zero already.
    func zero(_ gpa: UInt64, length: UInt64) throws(VMError) {
        var at = gpa
        let end = gpa + length
        while at < end {
            let page = at >> pageBits
            let n = min(pageBytes - (at & (pageBytes - 1)), end - at)
            var word = state(page)
            if word & 3 == Self.swapped && n == pageBytes {
                try dropSwapped(page)
                word = 0
            }
            if word != 0 {
                let pa = word & 3 == Self.resident ? hostAddress(word, at) : try back(at)
                try host.memory.zero(pa, length: n)
            }
            at += n
        }
    }

    // MARK: EPT violations

    /// Counts the cycles of one VM exit (`exitCycles`, plus what the hypervisor waited for, e.g.
    /// a swap read) in `stats.exitCycles` and on the guest machine's cycles. (A guest CPU's walk
    /// that caused it moves them into its own result: `walkSecondDimension`.)
    func chargeExit(_ cycles: Int) {
        stats.exitCycles &+= cycles
        guestMachine?.counters.cycles &+= cycles
    }

    /// Resolves an EPT violation at `gpa` — a VM exit costing `exitCycles`, plus the swap's read
    /// latency for a swapped page (`chargeExit`): gives its page a host frame (zeroed for a page never
    /// backed, read back from swap for a swapped one), maps it in the EPT, and returns the
    /// host-physical address of `gpa`. Reclaims one guest page first when the guest is at its
    /// limit or the host has no free frame. Throws `outOfMemory` when no frame can be found.
    @discardableResult
    func back(_ gpa: UInt64) throws(VMError) -> UInt64 {
        let page = gpa >> pageBits
        let word = state(page)
        if word & 3 == Self.resident { return hostAddress(word, gpa) }
        if eptPageBytes > pageBytes { return try backHugePage(gpa) }
        let frame = try allocateBackingFrame()
        let framePA = host.memory.address(frame: frame)
        var waited = 0
        if word & 3 == Self.swapped, let swap {
            let slot = Int(word >> 2)
            if let bytes = swap.load(slot) { try host.memory.writeBytes(framePA, bytes) }
            swap.releaseSlot(slot)
            if let leaf = try ept.walk(page << pageBits, level: host.mode.levels - 1, create: false) {
                try ept.writeEntry(leaf, 0)
            }
            stats.hostSwapIns += 1
            host.counters.cycles &+= swap.readLatency
            waited = swap.readLatency
        }
        do {
            try ept.map(page << pageBits, to: framePA, pageBytes: pageBytes,
                        flags: MapFlags(writable: true, user: true, executable: true))
        } catch {
            try? host.freeFrames(first: frame, order: 0)
            throw error
        }
        setState(page, frame << 2 | Self.resident)
        stats.eptViolations += 1
        chargeExit(exitCycles &+ waited)
        stats.hostFrames += 1
        return framePA | (gpa & (pageBytes - 1))
    }

    /// `back` with EPT huge pages: allocates the host block of `eptPageBytes` for the aligned
    /// guest block holding `gpa`, maps it with one EPT leaf, and records every page of it.
    func backHugePage(_ gpa: UInt64) throws(VMError) -> UInt64 {
        let count = Int(eptPageBytes >> pageBits)
        let region = gpa & ~(eptPageBytes - 1)
        guard stats.hostFrames + count <= limitFrames else {
            throw .outOfMemory(purpose: "a guest page: the guest holds its limit of \(limitFrames) host frames and \(Units.size(eptPageBytes)) EPT pages are never evicted", bytes: eptPageBytes)
        }
        let order = try host.order(bytes: eptPageBytes)
        let first = try host.allocateFrames(order: order, state: .user, owner: ept.owner, purpose: "a \(Units.size(eptPageBytes)) guest block")
        let blockPA = host.memory.address(frame: first)
        do {
            try ept.map(region, to: blockPA, pageBytes: eptPageBytes, flags: MapFlags(writable: true, user: true, executable: true))
        } catch {
            try? host.freeFrames(first: first, order: order)
            throw error
        }
        for i in 0..<UInt64(count) { setState((region >> pageBits) + i, (first + i) << 2 | Self.resident) }
        stats.eptViolations += 1
        chargeExit(exitCycles)
        stats.hostFrames += count
        return blockPA | (gpa & (eptPageBytes - 1))
    }

    /// A host frame for a guest page: reclaims one of the guest's own pages when the guest is at
    /// its limit; when the host has none free, asks the host kernel to reclaim, then the guest.
    func allocateBackingFrame() throws(VMError) -> UInt64 {
        if stats.hostFrames >= limitFrames && !reclaimOne() {
            throw .outOfMemory(purpose: "a guest page: the guest holds its limit of \(limitFrames) host frames and none can be evicted (no guest swap, or all pinned)", bytes: pageBytes)
        }
        while true {
            if let frame = try? host.allocateFrames(order: 0, state: .user, owner: ept.owner, purpose: "a guest page") {
                return frame
            }
            if let kernel = host.kernelStorage, kernel.reclaimer != nil, kernel.reclaim(until: 1, thorough: true) > 0 { continue }
            guard reclaimOne() else {
                throw .outOfMemory(purpose: "a guest page: the host has no free frame and none can be reclaimed", bytes: pageBytes)
            }
        }
    }

    // MARK: host-side eviction (double paging)

    /// Evicts guest page `page` to the guest's swap: its bytes go to a slot, its EPT entry
    /// becomes a swap entry, its host frame is freed. False when it cannot go (not resident,
    /// pinned host frame, no swap or swap full).
    @discardableResult
    public func evict(page: UInt64) -> Bool {
        let word = state(page)
        guard page < guestPages, word & 3 == Self.resident, eptPageBytes == pageBytes, let swap else { return false }
        let frame = word >> 2
        guard let info = try? host.memory.info(frame: frame), !info.pinned, let slot = swap.allocateSlot() else { return false }
        let framePA = host.memory.address(frame: frame)
        swap.store(slot, try? host.memory.readBytes(framePA, count: Int(pageBytes)))
        swap.users[slot] = 1
        guard let leaf = try? ept.walk(page << pageBits, level: host.mode.levels - 1, create: false) else {
            swap.releaseSlot(slot)
            return false
        }
        try? ept.writeEntry(leaf, swapEntry(slot: UInt64(slot)))
        ept.mappedBytes -= pageBytes
        host.processorStorage?.mappingsChanged(ept, va: page << pageBits, length: pageBytes)
        invalidateTranslations()
        try? host.freeFrames(first: frame, order: 0)
        setState(page, UInt64(slot) << 2 | Self.swapped)
        stats.hostFrames -= 1
        stats.hostSwapOuts += 1
        host.counters.cycles &+= swap.writeLatency
        return true
    }

    /// Gives the host backing of guest page `page` back (the balloon): frees its host frame and
    /// EPT entry, or its swap copy; the page reads as zeros afterwards. True when a host frame
    /// was freed. A page whose host frame is pinned keeps it.
    func release(page: UInt64) -> Bool {
        let word = state(page)
        if word & 3 == Self.swapped {
            try? dropSwapped(page)
            return false
        }
        guard word & 3 == Self.resident, eptPageBytes == pageBytes, let info = try? host.memory.info(frame: word >> 2), !info.pinned,
              (try? ept.unmap(page << pageBits, length: pageBytes)) != nil else { return false }
        try? host.freeFrames(first: word >> 2, order: 0)
        setState(page, 0)
        stats.hostFrames -= 1
        invalidateTranslations()
        return true
    }

    /// Forgets the swap copy of swapped page `page` (its contents are now zero): frees the slot
    /// and clears the EPT entry.
    func dropSwapped(_ page: UInt64) throws(VMError) {
        let word = state(page)
        guard word & 3 == Self.swapped else { return }
        swap?.releaseSlot(Int(word >> 2))
        if let leaf = try ept.walk(page << pageBits, level: host.mode.levels - 1, create: false) {
            try ept.writeEntry(leaf, 0)
        }
        setState(page, 0)
    }

    /// Evicts up to `count` guest pages chosen by the clock (second chance on the EPT leaves'
    /// Accessed bits); returns how many went.
    @discardableResult
    public func reclaim(count: Int) -> Int {
        var done = 0
        while done < count && reclaimOne() { done += 1 }
        return done
    }

    /// One clock step: sweeps resident pages from the hand, clearing set Accessed bits, and
    /// evicts the first page found with it clear (at most two sweeps). False when none could go.
    func reclaimOne() -> Bool {
        guard swap != nil, eptPageBytes == pageBytes, stats.hostFrames > 0, guestPages > 0 else { return false }
        let accessed = host.mode.layout.accessed
        for _ in 0..<(2 * guestPages) {
            let page = hand
            hand = hand + 1 == guestPages ? 0 : hand + 1
            guard state(page) & 3 == Self.resident,
                  let leaf = try? ept.walk(page << pageBits, level: host.mode.levels - 1, create: false),
                  let raw = try? ept.readEntry(leaf) else { continue }
            if raw & accessed != 0 {
                try? ept.writeEntry(leaf, raw & ~accessed)
                continue
            }
            if evict(page: page) { return true }
        }
        return false
    }

    /// The not-present EPT entry naming swap slot `slot`: slot + 1 in the frame field (the host
    /// kernel's swap-entry format, so `dump` shows it the same way).
    func swapEntry(slot: UInt64) -> UInt64 {
        let layout = host.mode.layout
        return ((slot + 1) & PTELayout.lowMask(layout.frameBits)) << UInt64(layout.frameShift)
    }

    /// Whether guest page `page` is resident, swapped out, or never backed.
    public func pageState(_ page: UInt64) -> String {
        let word = state(page)
        if word == 0 { return "unbacked" }
        return word & 3 == Self.resident ? "resident" : "swapped"
    }
}

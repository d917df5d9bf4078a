/// A process: a pid, a name, and an address space (Linux's `mm_struct`): a page table in
/// simulated RAM plus the sorted, disjoint list of VMAs that says what each range means. The
/// page table is only a cache of that meaning, filled by the fault handler.
///
/// Create processes with `Kernel.spawn`/`fork`; all system calls are methods of `Kernel` that
/// take the process. A process that exited (`isAlive` false) has no memory left; every call
/// on it fails with ESRCH.
public final class Process {
    /// Process id (1, 2, 3 … in creation order).
    public let pid: Int
    /// The name (`exec` changes it).
    public internal(set) var name: String
    /// The parent's pid (0 for a spawned process).
    public let parentPID: Int
    /// The page table (a new one after `exec`).
    public internal(set) var space: PageTable
    /// The VMAs, sorted by start, disjoint.
    public internal(set) var vmas: [VMA] = []
    /// Start of the heap (the initial program break).
    public internal(set) var brkStart: UInt64
    /// The bases of its areas (random with ASLR; fork keeps them, exec draws new ones).
    public internal(set) var layout: AddressSpaceLayout
    /// The current program break.
    public internal(set) var brk: UInt64
    /// False after `exit` (or a fatal SIGSEGV).
    public internal(set) var isAlive = true
    /// The exit status (or 128 + 11 after a fatal SIGSEGV).
    public internal(set) var exitStatus = 0
    /// When true, a SIGSEGV does not kill the process: the access fails (as if a signal handler
    /// caught it and jumped back) and the process goes on.
    public var catchSegv = false
    /// Fault and access counters.
    public internal(set) var counters = ProcessCounters()
    /// When its recent faults happened (recorded while a policy reclaims): its page-fault frequency.
    var faultLog = FaultLog()

    init(pid: Int, name: String, parentPID: Int, space: PageTable, layout: AddressSpaceLayout) {
        self.pid = pid
        self.name = name
        self.parentPID = parentPID
        self.space = space
        self.layout = layout
        self.brkStart = layout.brkStart
        self.brk = layout.brkStart
    }

    /// The kernel that runs this process (nil only if its machine lost its kernel, which does not happen).
    public var kernel: Kernel? { space.machine.kernelStorage }

    /// The index of the VMA containing `va`, or nil.
    public func vmaIndex(containing va: UInt64) -> Int? {
        var low = 0, high = vmas.count
        while low < high {
            let mid = (low + high) / 2
            if vmas[mid].end <= va { low = mid + 1 } else { high = mid }
        }
        return low < vmas.count && vmas[low].contains(va) ? low : nil
    }

    /// The VMA containing `va`, or nil.
    public func vma(containing va: UInt64) -> VMA? {
        vmaIndex(containing: va).map { vmas[$0] }
    }

    /// Inserts `vma` keeping the list sorted (the range must be free), merging with equal neighbours.
    func insert(_ vma: VMA) {
        var at = vmas.firstIndex { $0.start >= vma.end } ?? vmas.count
        vmas.insert(vma, at: at)
        if at + 1 < vmas.count, vmas[at].canMerge(with: vmas[at + 1]) {
            vmas[at].end = vmas[at + 1].end
            vmas.remove(at: at + 1)
        }
        if at > 0, vmas[at - 1].canMerge(with: vmas[at]) {
            vmas[at - 1].end = vmas[at].end
            vmas.remove(at: at)
            at -= 1
        }
    }

    /// Removes `[start, end)` from the VMA list, splitting areas that stick out.
    func removeRange(_ start: UInt64, _ end: UInt64) {
        var kept: [VMA] = []
        kept.reserveCapacity(vmas.count + 1)
        for v in vmas {
            if v.end <= start || v.start >= end { kept.append(v); continue }
            if v.start < start { kept.append(v.slice(v.start, start)) }
            if v.end > end { kept.append(v.slice(end, v.end)) }
        }
        vmas = kept
    }
}

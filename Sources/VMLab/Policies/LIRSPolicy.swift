/// LIRS, Low Inter-reference Recency Set (Jiang & Zhang, 2002): pages whose last two uses were
/// close together (LIR) stay; the others (HIR) pass through a small FIFO.
///
/// Frames are split into `frames − hir` LIR frames and `hir` resident-HIR frames (default
/// `hir` = max(1, frames / 100), at most frames − 1). The stack S holds, newest on top, the
/// LIR pages, resident HIR pages and non-resident HIR pages (ghosts) seen recently; its bottom is
/// always an LIR page ("pruning" drops HIR entries from the bottom). The queue Q holds the
/// resident HIR pages in order. Rule:
/// - a fault fills the LIR frames first (the page becomes LIR, on top of S); later, a page
///   with a ghost in S becomes LIR on top of S and the LIR page at the bottom of S is demoted
///   to the end of Q as HIR (then S is pruned); any other page becomes HIR, on top of S and at
///   the end of Q;
/// - a hit on an LIR page moves it to the top of S (pruning if it was the bottom); a hit on a
///   resident HIR page moves it to the top of S, and if it was in S it becomes LIR (the bottom
///   LIR page is demoted as above), else it moves to the end of Q;
/// - the victim is the first unpinned page of Q; if it is in S it stays there as a ghost. If Q
///   has none, the unpinned LIR page nearest the bottom of S.
/// Ghosts in S are limited to `frames`; beyond, the oldest ghost (the first page to have
/// become one) is forgotten.
/// Needs every access.
public final class LIRSPolicy: ReplacementPolicy {
    public let name = "lirs"
    public var needsEveryAccess: Bool { true }
    /// Frames for resident HIR pages.
    public let hir: Int
    /// Frames for LIR pages.
    public let lirTarget: Int
    private let frames: FrameTable
    private let queue: SlotList           // Q: front = end (newest), back = first to go
    private var isLIR: [Bool]             // per slot
    private var nodeOfSlot: [Int32]       // per slot: its node in S, or -1
    private var lirCount = 0
    // The stack S: nodes in flat arrays, top = newest.
    private var nodePage: [UInt64]
    private var nodeSlot: [Int32]         // -1: a ghost (non-resident HIR)
    private var above: [Int32]            // towards the top
    private var below: [Int32]            // towards the bottom
    private var freeNodes: [Int32]
    private var index: PageSlotMap        // page → node, for pages in S
    private var top = -1
    private var bottom = -1
    private var ghosts = 0
    // Ghosts in the order they became ghosts (oldest first), for trimming in O(1).
    private var ghostNewer: [Int32]
    private var ghostOlder: [Int32]
    private var oldestGhost = -1
    private var newestGhost = -1

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> LIRSPolicy {
        let made = LIRSPolicy(frames: frames, hir: hir)
        made.isLIR = isLIR
        made.nodeOfSlot = nodeOfSlot
        made.lirCount = lirCount
        made.nodePage = nodePage
        made.nodeSlot = nodeSlot
        made.above = above
        made.below = below
        made.freeNodes = freeNodes
        made.index = index
        made.top = top
        made.bottom = bottom
        made.ghosts = ghosts
        made.ghostNewer = ghostNewer
        made.ghostOlder = ghostOlder
        made.oldestGhost = oldestGhost
        made.newestGhost = newestGhost
        made.queue.copyContents(of: queue)
        return made
    }

    /// LIRS over `frames`; `hir` nil for the default.
    public init(frames: FrameTable, hir: Int? = nil) {
        self.frames = frames
        let c = frames.capacity
        self.hir = c == 1 ? 1 : min(c - 1, max(1, hir ?? c / 100))
        lirTarget = c - self.hir
        queue = SlotList(capacity: c)
        isLIR = Array(repeating: false, count: c)
        nodeOfSlot = Array(repeating: -1, count: c)
        let nodes = 2 * c + 2
        nodePage = Array(repeating: 0, count: nodes)
        nodeSlot = Array(repeating: -1, count: nodes)
        above = Array(repeating: -1, count: nodes)
        below = Array(repeating: -1, count: nodes)
        freeNodes = (0..<Int32(nodes)).reversed()
        index = PageSlotMap(expected: nodes)
        ghostNewer = Array(repeating: -1, count: nodes)
        ghostOlder = Array(repeating: -1, count: nodes)
    }

    // MARK: the stack S

    private func pushTop(page: UInt64, slot: Int) -> Int {
        let node = Int(freeNodes.removeLast())
        nodePage[node] = page
        nodeSlot[node] = Int32(slot)
        index.set(page, node)
        linkTop(node)
        if slot >= 0 { nodeOfSlot[slot] = Int32(node) }
        return node
    }

    private func linkTop(_ node: Int) {
        above[node] = -1
        below[node] = Int32(top)
        if top >= 0 { above[top] = Int32(node) } else { bottom = node }
        top = node
    }

    private func unlink(_ node: Int) {
        let a = Int(above[node]), b = Int(below[node])
        if a >= 0 { below[a] = Int32(b) } else { top = b }
        if b >= 0 { above[b] = Int32(a) } else { bottom = a }
    }

    /// Takes `node` out of S for good.
    private func drop(_ node: Int) {
        unlink(node)
        let slot = Int(nodeSlot[node])
        if slot >= 0 { nodeOfSlot[slot] = -1 } else { unlinkGhost(node) }
        if index.find(nodePage[node]) == node { index.remove(nodePage[node]) }
        freeNodes.append(Int32(node))
    }

    private func moveToTop(_ node: Int) {
        if top == node { return }
        unlink(node)
        linkTop(node)
    }

    /// Drops HIR entries (resident or ghosts) from the bottom of S until an LIR page is there.
    private func prune() {
        while bottom >= 0 {
            let slot = Int(nodeSlot[bottom])
            if slot >= 0 && isLIR[slot] { return }
            drop(bottom)
        }
    }

    /// The LIR page at the bottom of S becomes resident HIR at the end of Q.
    private func demoteBottomLIR() {
        prune()
        guard bottom >= 0 else { return }
        let slot = Int(nodeSlot[bottom])
        isLIR[slot] = false
        lirCount -= 1
        drop(bottom)
        queue.pushFront(slot)
        prune()
    }

    /// Makes `node` (just turned non-resident) the newest ghost, forgetting the oldest ghost
    /// beyond `frames` of them.
    private func addGhost(_ node: Int) {
        ghostOlder[node] = Int32(newestGhost)
        ghostNewer[node] = -1
        if newestGhost >= 0 { ghostNewer[newestGhost] = Int32(node) } else { oldestGhost = node }
        newestGhost = node
        ghosts += 1
        if ghosts > frames.capacity { drop(oldestGhost) }
    }

    private func unlinkGhost(_ node: Int) {
        let newer = Int(ghostNewer[node]), older = Int(ghostOlder[node])
        if newer >= 0 { ghostOlder[newer] = Int32(older) } else { newestGhost = older }
        if older >= 0 { ghostNewer[older] = Int32(newer) } else { oldestGhost = newer }
        ghosts -= 1
    }

    // MARK: events

    public func inserted(slot: Int) {
        let page = frames.page(slot)
        // Only a non-resident entry is a ghost: a kernel may load a second frame under the id of
        // a page still resident elsewhere (a shared frame keeps the id of the process that
        // loaded it), and that one keeps its own entry.
        let found = index.find(page)
        let ghost = found >= 0 && nodeSlot[found] < 0 ? found : -1
        if ghost >= 0 {
            drop(ghost)
            _ = pushTop(page: page, slot: slot)
            isLIR[slot] = true
            lirCount += 1
            if lirCount > lirTarget { demoteBottomLIR() }
        } else if lirCount < lirTarget {
            _ = pushTop(page: page, slot: slot)
            isLIR[slot] = true
            lirCount += 1
        } else {
            _ = pushTop(page: page, slot: slot)
            isLIR[slot] = false
            queue.pushFront(slot)
        }
    }

    public func accessed(slot: Int, isWrite: Bool) {
        let node = Int(nodeOfSlot[slot])
        if isLIR[slot] {
            let wasBottom = node == bottom
            moveToTop(node)
            if wasBottom { prune() }
        } else if node >= 0 {
            moveToTop(node)
            isLIR[slot] = true
            lirCount += 1
            queue.remove(slot)
            if lirCount > lirTarget { demoteBottomLIR() }
        } else {
            _ = pushTop(page: frames.page(slot), slot: slot)
            queue.moveToFront(slot)
        }
    }

    public func removed(slot: Int) {
        let node = Int(nodeOfSlot[slot])
        if isLIR[slot] {
            isLIR[slot] = false
            lirCount -= 1
            if node >= 0 { drop(node) }
            prune()
        } else {
            queue.remove(slot)
            if node >= 0 {
                nodeSlot[node] = -1
                nodeOfSlot[slot] = -1
                addGhost(node)
            }
        }
    }

    public func victim(for incoming: UInt64) throws -> Int {
        let slot = queue.oldestUnpinned(frames)
        if slot >= 0 { return slot }
        var node = bottom
        while node >= 0 {
            let s = Int(nodeSlot[node])
            if s >= 0 && !frames.pinned(s) { return s }
            node = Int(above[node])
        }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

/// CLOCK-Pro (Jiang, Chen & Zhang, USENIX 2005): a clock over resident pages and recently
/// evicted ("non-resident") cold pages, with hot and cold pages and three hands.
///
/// One circular list holds every resident page and at most `frames` non-resident cold pages.
/// A page is hot or cold; a cold page may be in its test period. New entries go to the head:
/// just before `handHot`, so every hand reaches them last. `coldTarget` (m_c) is the number
/// of resident cold pages aimed at; the rest of the frames are for hot pages. vmlab's choices
/// where the paper leaves room: m_c starts at 1 and stays within 1 … max(1, frames − 1); a
/// page's faulting access does not count as a reference (R is cleared when it is loaded); a
/// demoted hot page becomes cold without a test period. Rule:
/// - fault on page X: if X is non-resident in the list (re-used during its test period),
///   m_c += 1 and X becomes a hot page at the head (then handHot runs while hot pages exceed
///   frames − m_c); else X becomes a cold page in its test period at the head;
/// - victim: `handCold` moves over hot, non-resident and pinned entries; at a resident cold
///   page: R = 1 → clear R and move the page to the head, as a hot page if it was in its test
///   period (handHot runs as above), else starting a test period; R = 0 → the victim, which
///   stays as a non-resident entry if in its test period (then `handTest` runs if there are
///   more than `frames` of them), else leaves the list; the hand moves on. If every resident
///   page is hot, handHot runs first;
/// - handHot: at a hot page, R = 1 → clear R, R = 0 → demote it and stop; at a cold page in
///   its test period → end the test (m_c −= 1; a non-resident entry leaves the list);
/// - handTest: at a cold page in its test period → end the test (m_c −= 1); it stops after
///   removing one non-resident entry.
/// Hands start at the first page loaded. Sees faults only (R bits).
public final class ClockProPolicy: ReplacementPolicy {
    public let name = "clockpro"
    /// The current target m_c for resident cold pages.
    public private(set) var coldTarget = 1
    private let frames: FrameTable
    private let capacity: Int
    // The circular list: nodes in flat arrays.
    private var nodePage: [UInt64]
    private var nodeSlot: [Int32]     // -1: non-resident
    private var hot: [Bool]
    private var test: [Bool]
    private var next: [Int32]
    private var prev: [Int32]
    private var freeNodes: [Int32]
    private var nodeOfSlot: [Int32]
    private var nonResidentIndex: PageSlotMap   // page → node, non-resident entries
    private var handHot = -1
    private var handCold = -1
    private var handTest = -1
    private var hotCount = 0
    private var coldResident = 0
    private var nonResident = 0
    private var entries = 0

    /// A copy of this policy's state over `frames` (a copy of its frame table), for snapshots.
    func copy(over frames: FrameTable) -> ClockProPolicy {
        let made = ClockProPolicy(frames: frames)
        made.coldTarget = coldTarget
        made.nodePage = nodePage
        made.nodeSlot = nodeSlot
        made.hot = hot
        made.test = test
        made.next = next
        made.prev = prev
        made.freeNodes = freeNodes
        made.nodeOfSlot = nodeOfSlot
        made.nonResidentIndex = nonResidentIndex
        made.handHot = handHot
        made.handCold = handCold
        made.handTest = handTest
        made.hotCount = hotCount
        made.coldResident = coldResident
        made.nonResident = nonResident
        made.entries = entries
        return made
    }

    /// CLOCK-Pro over `frames`.
    public init(frames: FrameTable) {
        self.frames = frames
        capacity = frames.capacity
        let nodes = 2 * capacity + 2
        nodePage = Array(repeating: 0, count: nodes)
        nodeSlot = Array(repeating: -1, count: nodes)
        hot = Array(repeating: false, count: nodes)
        test = Array(repeating: false, count: nodes)
        next = Array(repeating: -1, count: nodes)
        prev = Array(repeating: -1, count: nodes)
        freeNodes = (0..<Int32(nodes)).reversed()
        nodeOfSlot = Array(repeating: -1, count: capacity)
        nonResidentIndex = PageSlotMap(expected: capacity + 1)
    }

    private var maxColdTarget: Int { max(1, capacity - 1) }

    // MARK: the circular list

    /// Links `node` at the head (just before handHot).
    private func linkAtHead(_ node: Int) {
        if handHot < 0 {
            next[node] = Int32(node)
            prev[node] = Int32(node)
            handHot = node
            handCold = node
            handTest = node
        } else {
            let before = Int(prev[handHot])
            next[before] = Int32(node)
            prev[node] = Int32(before)
            next[node] = Int32(handHot)
            prev[handHot] = Int32(node)
        }
        entries += 1
    }

    /// Unlinks `node`, moving any hand that points at it to the next entry.
    private func unlink(_ node: Int) {
        entries -= 1
        let n = Int(next[node]), p = Int(prev[node])
        let after = entries == 0 ? -1 : n
        if handHot == node { handHot = after }
        if handCold == node { handCold = after }
        if handTest == node { handTest = after }
        if entries > 0 {
            next[p] = Int32(n)
            prev[n] = Int32(p)
        }
    }

    private func newNode(page: UInt64, slot: Int) -> Int {
        let node = Int(freeNodes.removeLast())
        nodePage[node] = page
        nodeSlot[node] = Int32(slot)
        if slot >= 0 { nodeOfSlot[slot] = Int32(node) }
        linkAtHead(node)
        return node
    }

    private func free(_ node: Int) {
        unlink(node)
        if nodeSlot[node] < 0 {
            nonResidentIndex.remove(nodePage[node])
            nonResident -= 1
        }
        freeNodes.append(Int32(node))
    }

    private func moveToHead(_ node: Int) {
        unlink(node)
        linkAtHead(node)
    }

    /// Ends the test period of the cold entry `node`; a non-resident entry leaves the list.
    /// Returns true if it left.
    private func endTest(_ node: Int) -> Bool {
        test[node] = false
        coldTarget = max(1, coldTarget - 1)
        if nodeSlot[node] < 0 {
            free(node)
            return true
        }
        return false
    }

    // MARK: the hands

    /// Runs handHot until one hot page is demoted (or a full bounded sweep finds none).
    private func runHandHot() {
        var steps = 0
        while handHot >= 0 && steps <= 3 * entries + 2 {
            steps += 1
            let node = handHot
            if hot[node] {
                let slot = Int(nodeSlot[node])
                if frames.referenced(slot) || frames.pinned(slot) {
                    frames.clearReferenced(slot)
                    handHot = Int(next[node])
                } else {
                    hot[node] = false
                    hotCount -= 1
                    coldResident += 1
                    handHot = Int(next[node])
                    return
                }
            } else if test[node] {
                let advanceTo = Int(next[node])
                if !endTest(node) { handHot = advanceTo }
            } else {
                handHot = Int(next[node])
            }
        }
    }

    private func balanceHot() {
        while hotCount > capacity - coldTarget && hotCount > 0 {
            let before = hotCount
            runHandHot()
            if hotCount == before { return }
        }
    }

    /// Runs handTest until one non-resident entry has left the list.
    private func runHandTest() {
        var steps = 0
        while handTest >= 0 && steps <= 2 * entries + 2 {
            steps += 1
            let node = handTest
            if !hot[node] && test[node] {
                let advanceTo = Int(next[node])
                if endTest(node) { return }
                handTest = advanceTo
            } else {
                handTest = Int(next[node])
            }
        }
    }

    // MARK: events

    public func inserted(slot: Int) {
        let page = frames.page(slot)
        frames.clearReferenced(slot)
        let old = nonResidentIndex.find(page)
        if old >= 0 {
            free(old)
            coldTarget = min(maxColdTarget, coldTarget + 1)
            let node = newNode(page: page, slot: slot)
            hot[node] = true
            test[node] = false
            hotCount += 1
            balanceHot()
        } else {
            let node = newNode(page: page, slot: slot)
            hot[node] = false
            test[node] = true
            coldResident += 1
        }
    }

    public func removed(slot: Int) {
        let node = Int(nodeOfSlot[slot])
        guard node >= 0 else { return }
        nodeOfSlot[slot] = -1
        if hot[node] { hotCount -= 1 } else { coldResident -= 1 }
        if !hot[node] && test[node] {
            nodeSlot[node] = -1
            nonResidentIndex.set(nodePage[node], node)
            nonResident += 1
            if nonResident > capacity { runHandTest() }
        } else {
            free(node)
        }
    }

    public func victim(for incoming: UInt64) throws -> Int {
        var steps = 0
        while handCold >= 0 && steps <= 8 * entries + 16 {
            steps += 1
            if coldResident == 0 { runHandHot() }
            let node = handCold
            let slot = Int(nodeSlot[node])
            if hot[node] || slot < 0 || frames.pinned(slot) {
                handCold = Int(next[node])
                continue
            }
            if frames.referenced(slot) {
                frames.clearReferenced(slot)
                if test[node] {
                    test[node] = false
                    hot[node] = true
                    hotCount += 1
                    coldResident -= 1
                    moveToHead(node)
                    balanceHot()
                } else {
                    test[node] = true
                    moveToHead(node)
                }
                continue
            }
            handCold = Int(next[node])
            return slot
        }
        // Every resident page pinned (or hot and referenced beyond the bound): any unpinned page.
        for slot in 0..<capacity where frames.isResident(slot) && !frames.pinned(slot) { return slot }
        throw PolicyError.noEvictableFrame(policy: name)
    }
}

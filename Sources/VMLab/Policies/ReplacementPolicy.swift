/// A page-replacement policy: decides which resident frame to free when a new page needs one.
///
/// The caller owns a `FrameTable` (given to the policy at creation) and reports events:
/// - `inserted(slot:)` after a fault loaded a page into `slot` (the faulting access itself;
///   the table already shows the page, R set, and D for a write);
/// - `accessed(slot:isWrite:)` on every later access that hits — only if `needsEveryAccess`
///   (exact recency: LRU, MRU, LFU, OPT, 2Q, ARC, Lua policies with `on_access`); the others
///   see accesses only through the R/D bits, like a kernel;
/// - `tick()` every `tickInterval` accesses when it is > 0 (a timer interrupt: Aging, …);
/// - `victim(for:)` when a frame must be freed: returns a resident, unpinned slot. `incoming`
///   is the page about to be loaded (ARC and 2Q look at their ghost lists with it);
/// - `removed(slot:)` just before the caller frees `slot`, whether it was the victim or freed
///   for another reason (munmap, exit).
///
/// Built-in policies are `final class`es used through generics (`some ReplacementPolicy`), so
/// the per-access path is specialized, never an existential call (DESIGN.md §8).
public protocol ReplacementPolicy: AnyObject {
    /// The policy's name as users write it (`"clock"`).
    var name: String { get }
    /// True when the policy must be told of every access, not only faults.
    var needsEveryAccess: Bool { get }
    /// Accesses between two `tick()` calls; 0: never.
    var tickInterval: Int { get }
    /// A page was loaded into `slot` by a fault.
    func inserted(slot: Int) throws
    /// The page in `slot` was accessed again (only if `needsEveryAccess`).
    func accessed(slot: Int, isWrite: Bool) throws
    /// The periodic timer (only if `tickInterval > 0`).
    func tick() throws
    /// The slot to free for `incoming`; throws `PolicyError` if none can be freed.
    func victim(for incoming: UInt64) throws -> Int
    /// `slot` is about to be freed.
    func removed(slot: Int) throws
}

extension ReplacementPolicy {
    public var needsEveryAccess: Bool { false }
    public var tickInterval: Int { 0 }
    public func accessed(slot: Int, isWrite: Bool) throws {}
    public func tick() throws {}
    public func removed(slot: Int) throws {}
}

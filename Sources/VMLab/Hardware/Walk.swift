/// A detailed walk: every entry read, in order, and the outcome.
public struct Walk: Sendable, Equatable {
    /// The entries read, root first.
    public var steps: [WalkStep]
    /// The translation or fault.
    public var result: Translation
    /// With an inverted or hashed table: the search (probes, collisions) instead of `steps`.
    public var search: HashSearch? = nil
}

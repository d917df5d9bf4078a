/// What a search of an inverted or hashed page table did: the reads in order and a summary
/// (the counterpart of a radix walk's levels).
public struct HashSearch: Sendable, Equatable {
    /// Every read, in order.
    public var probes: [HashProbe] = []
    /// Inverted: the anchor bucket; hashed: the primary group.
    public var bucket = 0
    /// Hashed: the secondary group (-1 for inverted).
    public var secondaryBucket = -1
    /// Entries read whose tag was another page's (valid ones) before the match or the end.
    public var collisions = 0
    /// Inverted: the length of the whole chain of the bucket (counted in software, not read by
    /// the MMU); hashed: valid entries in the two groups.
    public var chainLength = 0
    /// Hashed: the translation came back from the software overflow table (a hash miss the
    /// operating system served, evicting another entry if the groups were full).
    public var reloaded = false

    /// An empty search.
    public init() {}
}

/// Counters of a `ContiguousMemory`.
public struct ContiguousStats: Sendable, Equatable {
    /// Programs loaded.
    public var loads = 0
    /// Loads refused for want of a hole.
    public var failures = 0
    /// Programs unloaded.
    public var unloads = 0
    /// Compactions run.
    public var compactions = 0
    /// Bytes copied by compactions.
    public var bytesMoved: UInt64 = 0

    public init() {}
}

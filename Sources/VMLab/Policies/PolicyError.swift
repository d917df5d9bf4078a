/// What can go wrong when a policy runs or is configured; each prints as one actionable line.
public enum PolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Every resident frame is pinned: nothing can be evicted.
    case noEvictableFrame(policy: String)
    /// An option of a policy or of the simulation is out of range.
    case invalidOption(name: String, message: String)
    /// An unknown policy name.
    case unknownPolicy(name: String, known: [String])
    /// A policy's victim was not a resident, unpinned slot.
    case badVictim(policy: String, message: String)
    /// The run was stopped from outside (a limit, Ctrl-C); the message says why.
    case stopped(message: String)

    public var description: String {
        switch self {
        case let .noEvictableFrame(policy):
            "policy '\(policy)': every resident frame is pinned, nothing can be evicted"
        case let .invalidOption(name, message):
            "\(name): \(message)"
        case let .unknownPolicy(name, known):
            "unknown policy '\(name)' (known: \(known.joined(separator: ", ")))"
        case let .badVictim(policy, message):
            "policy '\(policy)': \(message)"
        case let .stopped(message):
            message
        }
    }
}

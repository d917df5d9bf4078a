/// Counters of a guest's nested paging.
public struct GuestStats: Sendable, Equatable {
    /// EPT violations: guest-physical pages backed by a host frame on first touch.
    public var eptViolations = 0
    /// Host frames backing guest-physical pages (EPT tables not included).
    public var hostFrames = 0
    /// Nested walks made.
    public var nestedWalks = 0
    /// Memory references of all nested walks (EPT and guest PTE reads).
    public var references = 0

    /// Counters with these values (all zero by default).
    public init(eptViolations: Int = 0, hostFrames: Int = 0, nestedWalks: Int = 0, references: Int = 0) {
        self.eptViolations = eptViolations
        self.hostFrames = hostFrames
        self.nestedWalks = nestedWalks
        self.references = references
    }
}

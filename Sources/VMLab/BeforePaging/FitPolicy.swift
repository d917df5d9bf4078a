/// Where contiguous allocation puts a program: which hole of the free list it takes.
/// Holes are kept sorted by address; every rule breaks ties by the lowest address.
/// - `first`: the first hole (lowest address) that is large enough.
/// - `best`: the smallest hole that is large enough.
/// - `worst`: the largest hole.
/// - `next`: like first fit, but the search starts where the previous allocation ended and
///   wraps around to the start of memory once.
public enum FitPolicy: String, Sendable, CaseIterable, Equatable {
    case first, best, worst, next

    /// Parses `first`, `best`, `worst`, `next` (with or without `-fit`, any case).
    public static func named(_ name: String) -> FitPolicy? {
        var key = name.lowercased()
        if key.hasSuffix("-fit") || key.hasSuffix("_fit") { key.removeLast(4) }
        return FitPolicy(rawValue: key)
    }
}

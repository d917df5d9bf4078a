/// The shape of a synthetic workload (see `GeneratedTrace`). Access `i` (from 0) goes to page:
///
/// | pattern            | page of access i                                                     |
/// |--------------------|----------------------------------------------------------------------|
/// | `.sequential`      | `i mod pages`                                                        |
/// | `.strided(s)`      | `(i × s) mod pages`                                                  |
/// | `.uniform`         | uniform random in `0..<pages`                                        |
/// | `.zipf(α)`         | page `k − 1` with probability ∝ `1 / k^α` (k = 1…pages): page 0 is the most popular |
/// | `.loop(w)`         | `i mod w` (a loop over a working set of `w` ≤ pages pages)            |
/// | `.phases([…])`     | uniform in the current phase's working set; phase p's set is the `pages_p` pages after those of phases 0…p−1 (wrapping at `pages`); after the last phase, the first starts again |
/// | `.pointerChase`    | follows one random cycle through all pages (Sattolo's algorithm), starting at page 0: every page once per `pages` accesses, in an order with no locality |
public enum GeneratorPattern: Sendable, Equatable {
    case sequential
    case strided(stride: Int)
    case uniform
    case zipf(alpha: Double)
    case loop(workingSet: Int)
    case phases([WorkingSetPhase])
    case pointerChase

    /// The names the Lua API uses: `sequential`, `strided`, `uniform`, `zipf`, `loop`, `phases`,
    /// `pointer_chase`.
    public static let names = ["sequential", "strided", "uniform", "zipf", "loop", "phases", "pointer_chase"]

    /// This pattern's name in `names`.
    public var name: String {
        switch self {
        case .sequential: "sequential"
        case .strided: "strided"
        case .uniform: "uniform"
        case .zipf: "zipf"
        case .loop: "loop"
        case .phases: "phases"
        case .pointerChase: "pointer_chase"
        }
    }
}

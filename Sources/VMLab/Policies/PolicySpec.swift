/// A built-in replacement policy and its options, as a user names it (`"aging"`, `bits = 8`).
///
/// `PolicySimulator` turns a spec into the policy's `final class` and replays a trace through
/// it with a specialized loop (one `switch` per run, none per access).
public enum PolicySpec: Equatable, Sendable {
    /// `FIFOPolicy`, `LRUPolicy`, `OPTPolicy`, `MRUPolicy`, `ClockPolicy`, `EnhancedClockPolicy`
    /// (NRU), `LFUPolicy`, `ARCPolicy`, `SIEVEPolicy`, `ClockProPolicy`: no options.
    case fifo, lru, opt, mru, clock, enhancedClock, lfu, arc, sieve, clockPro
    /// `RandomPolicy` with its seed.
    case random(seed: UInt64)
    /// `AgingPolicy`: counter width and accesses between ticks.
    case aging(bits: Int, tickEvery: Int)
    /// `WorkingSetPolicy` with window τ.
    case workingSet(tau: UInt64)
    /// `WSClockPolicy` with window τ.
    case wsclock(tau: UInt64)
    /// `TwoQueuePolicy`; nil for the default sizes.
    case twoQueue(kin: Int?, kout: Int?)
    /// `S3FIFOPolicy`; nil for the default size of S.
    case s3fifo(small: Int?)
    /// `LIRSPolicy`; nil for the default number of HIR frames.
    case lirs(hir: Int?)

    /// Every name with the options it takes, in the order of DESIGN.md §4.
    public static let catalog: [(name: String, options: [String], rule: String)] = [
        ("fifo", [], "evict the page loaded longest ago"),
        ("lru", [], "evict the page whose last use is oldest (exact recency)"),
        ("opt", [], "evict the page used farthest in the future (Belady; trace replay only)"),
        ("random", ["seed"], "evict a uniformly random page (seeded)"),
        ("mru", [], "evict the page used most recently"),
        ("clock", [], "second chance: a hand clears R bits and evicts the first page with R = 0"),
        ("nru", [], "enhanced clock: prefer (R,M) = (0,0), then (0,1), clearing R on the second lap"),
        ("lfu", [], "evict the page with the fewest uses since it was loaded (ties: loaded earliest)"),
        ("aging", ["bits", "tick"], "n-bit counters fed by R bits every tick accesses; evict the smallest"),
        ("ws", ["tau"], "working set: evict a page not referenced in the last tau accesses"),
        ("wsclock", ["tau"], "working set by a clock hand; dirty old pages are written back first"),
        ("2q", ["kin", "kout"], "FIFO A1in for new pages, LRU Am for pages seen again, ghost list A1out"),
        ("arc", [], "adaptive replacement cache: T1/T2 LRU lists and ghosts B1/B2, adaptive target p"),
        ("lirs", ["hir"], "LIR pages (short reuse distance) stay; HIR pages pass through a small FIFO, ghosts remembered"),
        ("clockpro", [], "CLOCK-Pro: hot and cold pages, test periods, non-resident entries, three hands"),
        ("sieve", [], "FIFO with a visited bit; the hand keeps visited pages in place"),
        ("s3fifo", ["small"], "small FIFO S, main FIFO M with 2-bit counts, ghost FIFO G"),
    ]

    /// Other names accepted for some policies.
    public static let aliases = ["enhanced-clock": "nru", "enhanced_clock": "nru", "working-set": "ws",
                                 "working_set": "ws", "s3-fifo": "s3fifo", "clock-pro": "clockpro", "clock_pro": "clockpro", "belady": "opt", "min": "opt"]

    /// The known names, for messages.
    public static var names: [String] { catalog.map(\.name) }

    /// The options `name` accepts (nil if the name is unknown).
    public static func options(of name: String) -> [String]? {
        let canonical = aliases[name] ?? name
        return catalog.first { $0.name == canonical }?.options
    }

    /// The spec for `name` with integer `options` (already checked against `options(of:)`).
    /// Throws for an unknown name or an option out of range.
    public init(name: String, options: [String: Int] = [:]) throws {
        let canonical = PolicySpec.aliases[name.lowercased()] ?? name.lowercased()
        func option(_ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            let v = options[key] ?? value
            guard range.contains(v) else {
                throw PolicyError.invalidOption(name: "\(canonical): \(key)",
                                                message: "expected \(range.lowerBound)…\(range.upperBound), got \(v)")
            }
            return v
        }
        switch canonical {
        case "fifo": self = .fifo
        case "lru": self = .lru
        case "opt": self = .opt
        case "mru": self = .mru
        case "clock": self = .clock
        case "nru": self = .enhancedClock
        case "lfu": self = .lfu
        case "arc": self = .arc
        case "sieve": self = .sieve
        case "clockpro": self = .clockPro
        case "random": self = .random(seed: UInt64(bitPattern: Int64(options["seed"] ?? 0)))
        case "aging":
            self = .aging(bits: try option("bits", default: 8, in: 1...32),
                          tickEvery: try option("tick", default: 1000, in: 1...Int.max))
        case "ws": self = .workingSet(tau: UInt64(try option("tau", default: 1000, in: 0...Int.max)))
        case "wsclock": self = .wsclock(tau: UInt64(try option("tau", default: 1000, in: 0...Int.max)))
        case "2q":
            self = .twoQueue(kin: try options["kin"].map { _ in try option("kin", default: 1, in: 1...Int.max) },
                             kout: try options["kout"].map { _ in try option("kout", default: 1, in: 1...Int.max) })
        case "lirs":
            self = .lirs(hir: try options["hir"].map { _ in try option("hir", default: 1, in: 1...Int.max) })
        case "s3fifo":
            self = .s3fifo(small: try options["small"].map { _ in try option("small", default: 1, in: 1...Int.max) })
        default:
            throw PolicyError.unknownPolicy(name: name, known: PolicySpec.names)
        }
    }

    /// The canonical name.
    public var name: String {
        switch self {
        case .fifo: "fifo"
        case .lru: "lru"
        case .opt: "opt"
        case .mru: "mru"
        case .clock: "clock"
        case .enhancedClock: "nru"
        case .lfu: "lfu"
        case .arc: "arc"
        case .sieve: "sieve"
        case .clockPro: "clockpro"
        case .random: "random"
        case .aging: "aging"
        case .workingSet: "ws"
        case .wsclock: "wsclock"
        case .twoQueue: "2q"
        case .s3fifo: "s3fifo"
        case .lirs: "lirs"
        }
    }
}

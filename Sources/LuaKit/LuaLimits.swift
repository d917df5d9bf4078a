import CLuaShim

/// Budgets for running untrusted or runaway code. Each ends the running chunk
/// with its own Lua error — `instruction limit exceeded`, `memory limit
/// exceeded`, `time limit exceeded`, `interrupted!` — and leaves the state usable.
///
/// Instructions and time are counted per top-level run; memory is what the
/// whole state holds (libraries included). Checks run every
/// 1,000 VM instructions in a C hook, so a limit may be overrun by that much. Without
/// limits the hook is not set (it slows every VM instruction); an interrupt sets it when it comes.
public struct LuaLimits: Equatable, Sendable {
    /// Maximum Lua VM instructions per run (nil: no limit).
    public var instructions: Int?
    /// Maximum bytes the state may hold (nil: no limit).
    public var memory: Int?
    /// Maximum wall-clock seconds per run (nil: no limit).
    public var timeout: Double?

    public init(instructions: Int? = nil, memory: Int? = nil, timeout: Double? = nil) {
        self.instructions = instructions
        self.memory = memory
        self.timeout = timeout
    }
}

/// Why a run was stopped, as Swift code running inside a bound function sees it.
public enum LuaStopReason: Int32, Sendable {
    case interrupted = 1, instructions, memory, time

    public var message: String {
        switch self {
        case .interrupted: return "interrupted!"
        case .instructions: return "instruction limit exceeded"
        case .memory: return "memory limit exceeded"
        case .time: return "time limit exceeded"
        }
    }
}

extension LuaState {
    public var limits: LuaLimits {
        get { limitsStorage }
        set {
            limitsStorage = newValue
            let c = control
            c.pointee.maxinstructions = Int64(newValue.instructions ?? 0)
            let memory = newValue.memory ?? 0
            c.pointee.limit = memory
            // Lua's own allocations fail only well past the soft limit, so the
            // hook's clearer message wins for gradual growth.
            c.pointee.hardlimit = memory == 0 ? 0 : memory + max(memory / 2, 1 << 20)
            c.pointee.timeout = newValue.timeout ?? 0
        }
    }

    /// Whether a long-running Swift function should stop now (Ctrl-C, time,
    /// memory). Bound functions that loop for long poll this and throw
    /// `LuaScriptError(reason.message)`.
    public var stopReason: LuaStopReason? {
        LuaStopReason(rawValue: lk_stopreason(L))
    }

    /// Asks the running chunk to stop with `interrupted!` (safe from a signal handler's flag).
    public func interrupt() { lk_interrupt(L) }

    /// While `body` runs, SIGINT interrupts the running chunk instead of ending the process.
    public func catchingInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        lk_catchinterrupts(L)
        defer { lk_releaseinterrupts() }
        return try body()
    }

    /// Runs a blocking read (a prompt) during which SIGINT only interrupts the
    /// read: `body` sees EINTR instead of the process ending. Returns what
    /// `body` returned and whether Ctrl-C was pressed.
    public static func readingInterruptibly<T>(_ body: () -> T) -> (result: T, interrupted: Bool) {
        lk_catchpromptinterrupts()
        defer { lk_releaseinterrupts() }
        let result = body()
        return (result, lk_takepromptinterrupt() != 0)
    }
}

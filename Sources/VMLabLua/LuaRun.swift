import LuaKit
import VMLab

/// Batch replay of a trace in Swift, shared by `m:run`, `cpu:run` and
/// `s:run`: the options `{limit=, privilege=, progress=, every=}` and the loops.
struct LuaRun {
    static let options = ["limit", "privilege", "progress", "every", "map"]

    /// Accesses to replay at most.
    var limit = Int.max
    var privilege = Privilege.user
    /// Called with the number of accesses done every `every` accesses and at the end;
    /// returning false stops the run early.
    var progress: LuaReference?
    var every = 1_000_000
    /// Process targets: map the pages a trace touches that no VMA covers (`Kernel.run`).
    var mapMissing = false

    /// Reads the options table at argument `i` (absent or nil: the defaults).
    init(_ call: LuaCall, _ i: Int32, function: String) throws {
        guard !call.isNoneOrNil(i) else { return }
        let t = try call.table(i)
        try t.checkOptions(Self.options, function: function)
        mapMissing = try t.boolean("map") ?? false
        limit = try t.integer("limit") ?? .max
        guard limit >= 0 else { throw LuaArgumentError(i, "field 'limit': must not be negative (got \(limit))") }
        switch try t.string("privilege") {
        case nil, "user": privilege = .user
        case "kernel", "supervisor": privilege = .supervisor
        case let other?: throw LuaArgumentError(i, "field 'privilege': \"user\" or \"kernel\" expected, got \"\(other)\"")
        }
        every = try t.integer("every") ?? every
        guard every > 0 else { throw LuaArgumentError(i, "field 'every': must be positive (got \(every))") }
        switch t.value("progress") {
        case .nil: break
        case .function(let f): progress = f
        default: throw LuaArgumentError(i, "field 'progress': function expected")
        }
    }

    /// Feeds the trace to `body` in batches (at most `limit` accesses in all), polling the
    /// script's limits and Ctrl-C between batches and calling `progress`. Returns the count.
    func replay(_ handle: TraceHandle, state: LuaState, _ body: (UnsafeBufferPointer<Access>) throws -> Void) throws -> Int {
        var done = 0
        var nextReport = every
        var buffer = [Access](repeating: Access(), count: 4096)
        while done < limit {
            let n = try buffer.withUnsafeMutableBufferPointer { try handle.read(into: $0) }
            if n == 0 { break }
            let count = min(n, limit - done, max(1, nextReport - done))
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            done += count
            if count < n { handle.unread(buffer[count..<n]) }
            if let stop = state.stopReason { throw LuaScriptError(stop.message) }
            if done >= nextReport {
                nextReport += every
                if try !report(done, state: state) { return done }
            }
        }
        if done % every != 0 { _ = try report(done, state: state) }
        return done
    }

    /// Calls `progress(done)`; false when it returned false.
    func report(_ done: Int, state: LuaState) throws -> Bool {
        guard let progress else { return true }
        let results = try state.call(progress, [done])
        return results.first != .boolean(false)
    }
}

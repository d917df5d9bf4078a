import LuaKit
import VMLab

/// `vm.simulate{…}`: replays a trace through a replacement policy (built-in or `vm.policy`)
/// with N frames, or over a range of frame counts with Belady's anomaly flagged.
enum LuaSimulate {
    static let options = ["trace", "policy", "frames", "page_size", "seed", "pin", "victims"]

    /// A policy as vm.simulate was given it.
    enum Choice {
        case builtin(PolicySpec)
        case lua(LuaPolicyDefinition)
    }

    static func install(in state: LuaState, traces: LuaClass<TraceHandle>, policies: LuaClass<LuaPolicyDefinition>) {
        state.register("vm.simulate", signature: """
            vm.simulate{ trace=, policy=, frames=N | frames={from=, to=, step=}, page_size=, seed=, pin={pages…} } -> table
            """, doc: """
            Policy-only simulation: replays trace (a vm.trace, or a list of page numbers) from its start through a
            replacement policy with N frames, and returns { hits=, misses=, faults=, evictions=, writebacks=,
            hit_rate=, accesses=, policy=, frames= } (and hand=, the slot a clock's hand points at in the end). Page = address >> log2(page_size) (default 4096). Every access
            sets the frame's R bit, a write its D bit; a dirty victim is a write-back.
            policy: a built-in name ("lru"; vm.policies() lists them), a table with options ({name="aging", bits=8,
            tick=1000}), or a vm.policy. seed seeds "random" (default 0). pin: pages that are never evicted.
            victims = true adds victims = {page, …}: the evicted pages in order (one run only).
            With frames={from=, to=, step=} (step default 1) the trace is rewound for each point and the result is
            { points = { {frames=, misses=, …}, … }, anomalies = { {frames=, misses=, previous=}, … } }: an anomaly
            is a point with more misses than the point before it (Belady's anomaly).
            """) { call in
            try simulate(call, traces: traces, policies: policies)
        }
    }

    static func simulate(_ call: LuaCall, traces: LuaClass<TraceHandle>, policies: LuaClass<LuaPolicyDefinition>) throws -> Int32 {
        let t = try call.table(1)
        try t.checkOptions(options, function: "vm.simulate")
        let pageSize = try t.integer("page_size") ?? 4096
        guard pageSize >= 1 && pageSize & (pageSize - 1) == 0 else {
            throw LuaScriptError("vm.simulate: page_size must be a power of two, got \(pageSize)")
        }
        let seed = UInt64(bitPattern: Int64(try t.integer("seed") ?? 0))
        let trace = try readTrace(call, t, traces)
        let choice = try readPolicy(call, t, policies, seed: seed)
        let pins = try readPins(call, t)
        let wantVictims = try t.boolean("victims") ?? false
        let state = call.state
        let victims = VictimLog()

        func run(_ frames: Int) throws -> PolicyResult {
            var simulator = try PolicySimulator(frames: frames, pageSize: UInt64(pageSize))
            simulator.pinnedPages = pins
            victims.pages.removeAll()
            if wantVictims { simulator.onEvict = { _, page in victims.pages.append(page.lua) } }
            simulator.stopCheck = { state.stopReason?.message }
            try trace.rewind()
            switch choice {
            case .builtin(let spec):
                return try simulator.run(spec, trace: trace.trace)
            case .lua(let definition):
                let table = FrameTable(capacity: frames)
                let runner = try LuaPolicyRunner(definition, frames: table, state: state)
                return try simulator.run(runner, table: table, trace: trace.trace)
            }
        }

        do {
            switch try readFrames(call, t) {
            case .single(let frames):
                var result = record(try run(frames))
                if wantVictims { result.set("victims", victims.pages) }
                return call.push(result)
            case .range(let counts):
                if wantVictims { throw LuaScriptError("vm.simulate: victims = true needs one frame count, not a range") }
                let points = try counts.map { try run($0) }
                let curve = PolicyCurve(points: points)
                return call.push(LuaRecord([
                    ("points", points.map(record)),
                    ("anomalies", curve.anomalies.map { a in
                        LuaRecord([("frames", a.frames), ("misses", a.misses), ("previous", a.previous)])
                    }),
                ]))
            }
        } catch let error as PolicyError {
            throw LuaScriptError("vm.simulate: \(error)")
        } catch let error as TraceError {
            throw LuaScriptError("vm.simulate: \(error)")
        }
    }

    /// The pages evicted by one run, in order (for victims = true).
    final class VictimLog {
        var pages: [Int] = []
    }

    /// frames= : one count, or a range.
    enum Frames {
        case single(Int)
        case range([Int])
    }

    static func readFrames(_ call: LuaCall, _ t: LuaTableView) throws -> Frames {
        t.pushFieldValue("frames")
        let index = call.count
        defer { call.state.pop() }
        switch call.type(index) {
        case LuaType.number:
            let frames = try integerField(call, index, "frames")
            guard frames >= 1 else { throw LuaScriptError("vm.simulate: frames must be ≥ 1, got \(frames)") }
            return .single(frames)
        case LuaType.table:
            let range = LuaTableView(call.state, at: index)
            try range.checkOptions(["from", "to", "step"], function: "vm.simulate: frames")
            guard let from = try range.integer("from"), let to = try range.integer("to") else {
                throw LuaScriptError("vm.simulate: frames = {from=, to= [, step=]} needs from and to")
            }
            return .range(try PolicySimulator.frameCounts(from: from, to: to, step: try range.integer("step") ?? 1))
        case LuaType.nil:
            throw LuaScriptError("vm.simulate: frames = N or frames = {from=, to=, step=} is required")
        default:
            throw LuaScriptError("vm.simulate: frames must be a number or {from=, to=, step=}, got \(call.typeName(index))")
        }
    }

    static func integerField(_ call: LuaCall, _ index: Int32, _ name: String) throws -> Int {
        guard let n = try? call.integer(index) else { throw LuaScriptError("vm.simulate: \(name) must be a whole number") }
        return n
    }

    static func record(_ r: PolicyResult) -> LuaRecord {
        var record = LuaRecord([("policy", r.policy), ("frames", r.frames), ("accesses", r.accesses), ("hits", r.hits),
                                ("misses", r.misses), ("faults", r.misses), ("evictions", r.evictions),
                                ("writebacks", r.writebacks), ("hit_rate", r.hitRate)])
        if let hand = r.hand { record.set("hand", hand) }
        return record
    }

    /// trace= : a vm.trace, or a list of page numbers (reads of `page_size` pages).
    static func readTrace(_ call: LuaCall, _ t: LuaTableView, _ traces: LuaClass<TraceHandle>) throws -> TraceHandle {
        t.pushFieldValue("trace")
        let index = call.count
        defer { call.state.pop() }
        switch call.type(index) {
        case LuaType.userdata:
            return try call.object(index, traces)
        case LuaType.table:
            let list = LuaTableView(call.state, at: index)
            var pages: [UInt64] = []
            pages.reserveCapacity(list.length)
            for i in 0..<list.length {
                guard case .integer(let n) = list.element(i + 1), n >= 0 else {
                    throw LuaScriptError("vm.simulate: trace[\(i + 1)] must be a page number ≥ 0")
                }
                pages.append(UInt64(n))
            }
            let pageSize = UInt64(max(1, try t.integer("page_size") ?? 4096))
            do {
                return TraceHandle(try ArrayTrace(pages: pages, pageSize: pageSize))
            } catch let error as TraceError {
                throw LuaScriptError("vm.simulate: \(error)")
            }
        case LuaType.nil:
            throw LuaScriptError("vm.simulate: trace= is required (a vm.trace or a list of page numbers)")
        default:
            throw LuaScriptError("vm.simulate: trace must be a vm.trace or a list of page numbers, got \(call.typeName(index))")
        }
    }

    /// policy= : a name, {name=, options…}, or a vm.policy.
    static func readPolicy(_ call: LuaCall, _ t: LuaTableView, _ policies: LuaClass<LuaPolicyDefinition>, seed: UInt64) throws -> Choice {
        t.pushFieldValue("policy")
        defer { call.state.pop() }
        return try readPolicy(call, at: call.count, policies, seed: seed, function: "vm.simulate")
    }

    /// The policy at stack index `index` — a name, {name=, options…}, or a vm.policy — for
    /// `function` (named in errors); a random policy without a seed gets `seed`.
    static func readPolicy(_ call: LuaCall, at index: Int32, _ policies: LuaClass<LuaPolicyDefinition>, seed: UInt64,
                           function: String) throws -> Choice {
        var name: String
        var options: [String: Int] = [:]
        switch call.type(index) {
        case LuaType.string:
            name = try call.string(index)
        case LuaType.userdata:
            return .lua(try call.object(index, policies))
        case LuaType.table:
            let view = LuaTableView(call.state, at: index)
            guard let n = try view.string("name") else { throw LuaScriptError("\(function): policy = {name=, …} needs a name") }
            name = n
            guard let known = PolicySpec.options(of: n.lowercased()) else { throw unknown(n, function) }
            try view.checkOptions(["name"] + known, function: "\(function): policy '\(n)'")
            for key in known {
                if let v = try view.integer(key) { options[key] = v }
            }
        case LuaType.nil:
            throw LuaScriptError("\(function): policy= is required (\(PolicySpec.names.joined(separator: ", ")), or a vm.policy)")
        default:
            throw LuaScriptError("\(function): policy must be a name, a {name=, …} table or a vm.policy, got \(call.typeName(index))")
        }
        guard PolicySpec.options(of: name.lowercased()) != nil else { throw unknown(name, function) }
        if options["seed"] == nil && (PolicySpec.options(of: name.lowercased()) ?? []).contains("seed") {
            options["seed"] = Int(Int64(bitPattern: seed))
        }
        do {
            return .builtin(try PolicySpec(name: name, options: options))
        } catch let error as PolicyError {
            throw LuaScriptError("\(function): \(error)")
        }
    }

    static func unknown(_ name: String, _ function: String) -> LuaScriptError {
        var message = "\(function): unknown policy '\(name)'"
        if let near = Suggestion.closest(to: name, in: PolicySpec.names) { message += " (did you mean '\(near)'?)" }
        return LuaScriptError(message + " (known: \(PolicySpec.names.joined(separator: ", ")))")
    }

    /// pin= : a list of page numbers never evicted.
    static func readPins(_ call: LuaCall, _ t: LuaTableView) throws -> [UInt64] {
        guard case .table = t.value("pin") else {
            if t.has("pin") { throw LuaScriptError("vm.simulate: pin must be a list of page numbers") }
            return []
        }
        t.pushFieldValue("pin")
        defer { call.state.pop() }
        let list = LuaTableView(call.state, at: call.count)
        return try (0..<list.length).map { i in
            guard case .integer(let n) = list.element(i + 1), n >= 0 else {
                throw LuaScriptError("vm.simulate: pin[\(i + 1)] must be a page number ≥ 0")
            }
            return UInt64(n)
        }
    }
}

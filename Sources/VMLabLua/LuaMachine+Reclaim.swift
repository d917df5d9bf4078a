import LuaKit
import VMLab

/// Swap and reclaim on `vm.machine`: the `swap=`, `policy=` and `watermarks=` options,
/// `m:set_policy`, `m:set_watermarks` and `m.stats.swap`.
extension LuaMachine {
    /// Options of vm.machine{…} read here.
    static let reclaimOptions = ["swap", "policy", "watermarks"]

    /// A handle for reading `vm.policy` objects (found by class name; the class itself, with its
    /// methods and documentation, is made by `LuaPolicy.install`).
    static var policyObjects: LuaClass<LuaPolicyDefinition> { LuaClass("vm.policy", doc: "") }

    /// Installs m:set_swap, m:set_policy and m:set_watermarks.
    static func installReclaim(on cls: LuaClass<Machine>) {
        cls.method("set_swap", signature: "m:set_swap(size | {size=, read_latency=, write_latency=, page_tables=})", doc: """
            Installs the machine's swap device, as vm.machine{swap=…} does at creation: for a machine made another way,
            such as a guest's (g.machine:set_swap("64 MiB") gives the guest kernel its own swap, below which the host may
            still evict the guest's pages: double paging). One device per machine; the size is a whole number of pages.
            local g = m:guest{ memory = "32 MiB" }; g.machine:set_swap("64 MiB"); g.machine:set_policy("clock")
            """) { m, call in
            try enableSwap(m, at: 2, call, function: "m:set_swap")
            return 0
        }
        cls.method("set_policy", signature: "m:set_policy(name | {name=, …} | vm.policy)", doc: """
            Sets the replacement policy reclaim uses to choose which page to swap out: a built-in name ("clock", "arc",
            …: vm.policies() lists them), a table with its options ({name="aging", bits=8, tick=100}) or a vm.policy
            written in Lua (its ctx slots are the machine's frames; ctx:owner(slot) is the pid). Pages already in memory
            are handed to the new policy. Built-in policies see accessed and dirty bits and faults, like a kernel;
            LRU, LFU, MRU, 2Q, ARC, LIRS and Lua policies with on_access are told of every access (slower). OPT needs
            the future and is refused. Without swap (vm.machine{swap=…}) only file pages can be evicted.
            """) { m, call in
            let k = try m.kernel
            let choice = try LuaSimulate.readPolicy(call, at: 2, policyObjects, seed: m.seed, function: "m:set_policy")
            return try LuaProcess.access(k) { () throws(KernelError) in
                try setPolicy(k, choice, call.state)
                return 0
            }
        }
        cls.method("set_watermarks", signature: "m:set_watermarks{low=, high=}", doc: """
            Free-frame watermarks in frames: when a fault finds fewer than low frames free, reclaim evicts pages until
            high are free. Default: low = max(2 × table levels, frames / 64), high = 2 × low. Needs 0 ≤ low ≤ high ≤ frames.
            """) { m, call in
            let k = try m.kernel
            let t = try call.table(2)
            try setWatermarks(k, t, function: "m:set_watermarks")
            return 0
        }
    }

    /// Installs `choice` as the kernel's replacement policy.
    static func setPolicy(_ k: Kernel, _ choice: LuaSimulate.Choice, _ state: LuaState) throws(KernelError) {
        switch choice {
        case .builtin(let spec): try k.setPolicy(spec)
        case .lua(let definition): try k.setPolicy { frames in try LuaPolicyRunner(definition, frames: frames, state: state) }
        }
    }

    /// Reads {low=, high=} (either may be absent: it keeps its value).
    static func setWatermarks(_ k: Kernel, _ t: LuaTableView, function: String) throws {
        try t.checkOptions(["low", "high"], function: function)
        let marks = Kernel.defaultWatermarks(frames: Int(k.machine.memory.frameCount), levels: k.mode.levels)
        let low = try t.integer("low") ?? k.reclaimer?.low ?? marks.low
        let high = try t.integer("high") ?? k.reclaimer?.high ?? max(low, marks.high)
        _ = try LuaProcess.access(k) { () throws(KernelError) in
            try k.setWatermarks(low: low, high: high)
            return 0
        }
    }

    /// Reads swap=, policy= and watermarks= of vm.machine{…} (table `t`) and sets them up on `m`.
    static func configureReclaim(_ m: Machine, _ t: LuaTableView, _ call: LuaCall) throws {
        guard reclaimOptions.contains(where: t.has) else { return }
        let k = try m.kernel
        if t.has("swap") {
            t.pushFieldValue("swap")
            defer { call.state.pop() }
            try enableSwap(m, at: call.state.top, call, function: "vm.machine: swap")
        }
        if t.has("policy") {
            t.pushFieldValue("policy")
            defer { call.state.pop() }
            let choice = try LuaSimulate.readPolicy(call, at: call.state.top, policyObjects, seed: m.seed, function: "vm.machine")
            _ = try LuaProcess.access(k) { () throws(KernelError) in
                try setPolicy(k, choice, call.state)
                return 0
            }
        }
        if t.has("watermarks") {
            t.pushFieldValue("watermarks")
            defer { call.state.pop() }
            guard call.type(call.state.top) == LuaType.table else { throw LuaScriptError("vm.machine: watermarks must be a table {low=, high=}") }
            try setWatermarks(k, LuaTableView(call.state, at: call.state.top), function: "vm.machine: watermarks")
        }
    }

    /// Installs the swap device the value at `index` describes: a size, or {size=, read_latency=,
    /// write_latency=, page_tables=}.
    static func enableSwap(_ m: Machine, at index: Int32, _ call: LuaCall, function: String) throws {
        let k = try m.kernel
        var bytes: Int
        var read: Int?, write: Int?
        var tables = false
        if call.type(index) == LuaType.table {
            let s = LuaTableView(call.state, at: index)
            try s.checkOptions(["size", "read_latency", "write_latency", "page_tables"], function: function)
            guard s.has("size") else { throw LuaScriptError("\(function) = {size=…} needs a size") }
            bytes = try LuaProcess.sizeField(call, s, "size")
            read = try s.integer("read_latency")
            write = try s.integer("write_latency")
            tables = try s.boolean("page_tables") ?? false
        } else {
            do { bytes = try VMModule.size(call, index) } catch let e as LuaArgumentError {
                throw LuaScriptError("\(function): \(e.reason)")
            }
        }
        _ = try LuaProcess.access(k) { () throws(KernelError) in
            try k.enableSwap(bytes: UInt64(bytes), readLatency: read, writeLatency: write)
            if tables { try k.setSwapsPageTables(true) }
            return 0
        }
    }

    /// `m.stats.swap`, or nil when the machine has no reclaim.
    static func swapStats(_ m: Machine) -> LuaRecord? {
        guard let k = m.existingKernel, let r = k.reclaimer else { return nil }
        let c = r.counters
        var record = LuaRecord([
            ("slots", k.swap?.slotCount ?? 0), ("used", k.swap?.usedCount ?? 0), ("free", k.swap?.freeCount ?? 0),
            ("swap_ins", c.swapIns), ("swap_outs", c.swapOuts), ("writebacks", c.writebacks),
            ("clean_drops", c.cleanDrops), ("cache_hits", c.cacheHits), ("file_drops", c.fileDrops),
            ("file_writebacks", c.fileWritebacks), ("reclaim_runs", c.reclaimRuns),
            ("skipped", c.skipped), ("ooms", c.ooms), ("tracked", r.frames.residentCount),
            ("table_swap_outs", c.tableSwapOuts), ("table_swap_ins", c.tableSwapIns), ("tables_out", r.swappedTables),
            ("low", r.low), ("high", r.high),
            ("fault_rate", r.faultRate(window: Int(Kernel.defaultWorkingSetWindow))),
        ])
        record.set("policy", r.policyName)
        record.set("page_tables", r.swapsPageTables)
        if let swap = k.swap {
            record.set("read_latency", swap.readLatency)
            record.set("write_latency", swap.writeLatency)
        }
        return record
    }
}

import LuaKit
import VMLab

/// Working set and page-fault frequency on `vm.process` (p:wss, p:pff, and in p.stats).
enum LuaSwapProcess {
    /// Installs p:wss and p:pff.
    static func install(on cls: LuaClass<Process>) {
        cls.method("wss", signature: "p:wss([tau]) -> pages | nil", doc: """
            Working-set size W(t, τ): the pages of p accessed in the machine's last tau accesses (default 10000), resident
            or swapped out since. nil without reclaim (vm.machine{swap=…} or m:set_policy); tau counts the accesses of
            every process.
            """) { p, call in
            let tau = try call.optionalInteger(2) ?? Int(Kernel.defaultWorkingSetWindow)
            guard tau >= 1 else { throw LuaArgumentError(2, "tau must be at least 1, got \(tau)") }
            guard let k = p.kernel, let pages = k.workingSetSize(p, tau: UInt64(tau)) else { return call.pushNil() }
            return call.push(pages)
        }
        cls.method("pff", signature: "p:pff([window]) -> faults per access | nil", doc: """
            Page-fault frequency: p's faults (minor and major) per access over its own last window accesses (default
            10000; the last 4096 faults are remembered). nil without reclaim.
            """) { p, call in
            let window = try call.optionalInteger(2) ?? Int(Kernel.defaultWorkingSetWindow)
            guard window >= 1 else { throw LuaArgumentError(2, "window must be at least 1, got \(window)") }
            guard let k = p.kernel, let rate = k.faultFrequency(p, window: window) else { return call.pushNil() }
            return call.push(rate)
        }
    }

    /// Adds the swap counters of `p`, wss and pff (default windows) to its stats, with reclaim.
    static func addStats(_ p: Process, into r: inout LuaRecord) {
        guard let k = p.kernel, let wss = k.workingSetSize(p, tau: Kernel.defaultWorkingSetWindow) else { return }
        r.set("swap_ins", p.counters.swapIns)
        r.set("swap_outs", p.counters.swapOuts)
        r.set("wss", wss)
        r.set("pff", k.faultFrequency(p, window: Int(Kernel.defaultWorkingSetWindow)) ?? 0)
    }
}

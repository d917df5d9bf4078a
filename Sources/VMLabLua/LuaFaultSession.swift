import LuaKit
import VMLab

/// The `k` a Lua fault handler receives: the kernel primitives, bound to the faulting process.
final class LuaFaultSession {
    let kernel: Kernel
    let context: FaultContext
    /// Set when the handler killed the process or the built-in handler raised SIGSEGV.
    var segv: KernelError?

    init(kernel: Kernel, context: FaultContext) {
        self.kernel = kernel
        self.context = context
    }

    var process: Process { context.process }

    /// The class `vm.fault_kernel`.
    static func makeClass() -> LuaClass<LuaFaultSession> {
        let cls = LuaClass<LuaFaultSession>("vm.fault_kernel", doc: """
            The kernel primitives a Lua fault handler gets as its second argument, bound to the faulting process:
            k:alloc_frame(), k:map(va, pa, prot), k:unmap(va), k:zero(pa), k:copy_frame(src, dst), k:swap_in(va),
            k:kill([reason]), k:default(), k:refcount(pa), k:pte(va).
            """)
        cls.tostring { s in "vm.fault_kernel(pid \(s.process.pid))" }
        cls.method("alloc_frame", signature: "k:alloc_frame() -> pa", doc: "A zeroed frame (refcount 0 until mapped: an unmapped one is a leak m:check() reports).") { s, call in
            call.push(try run { () throws(KernelError) in try s.kernel.primitiveAllocFrame(s.process) }.lua)
        }
        cls.method("map", signature: "k:map(va, pa, prot)", doc: "Maps the page at va to the frame at pa with prot (\"r--\", \"rw-\", \"r-x\"…), replacing any mapping (its frame loses a reference).") { s, call in
            let (va, pa, prot) = try (call.address(2), try call.address(3), try LuaProcess.protection(call, 4))
            try run { () throws(KernelError) in try s.kernel.primitiveMap(s.process, va, pa, prot) }
            return 0
        }
        func addressMethod(_ name: String, _ doc: String, _ body: @escaping (LuaFaultSession, UInt64) throws(KernelError) -> Void) {
            cls.method(name, signature: "k:\(name)(\(name == "zero" ? "pa" : "va"))", doc: doc) { s, call in
                let address = try call.address(2)
                try run { () throws(KernelError) in try body(s, address) }
                return 0
            }
        }
        addressMethod("unmap", "Removes the mapping of the page at va.") { s, va throws(KernelError) in try s.kernel.primitiveUnmap(s.process, va) }
        addressMethod("zero", "Fills the frame at pa with zeros.") { s, pa throws(KernelError) in try s.kernel.primitiveZero(pa) }
        addressMethod("swap_in", "Brings the page at va back from swap (needs a swap device: vm.machine{swap=…}).") { s, va throws(KernelError) in
            try s.kernel.primitiveSwapIn(s.process, va)
        }
        cls.method("copy_frame", signature: "k:copy_frame(src_pa, dst_pa)", doc: "Copies a whole frame.") { s, call in
            let (from, to) = try (call.address(2), try call.address(3))
            try run { () throws(KernelError) in try s.kernel.primitiveCopyFrame(from, to) }
            return 0
        }
        cls.method("kill", signature: "k:kill([reason])", doc: """
            Delivers SIGSEGV for this fault. reason: one of the kernel's own reasons ("unmapped address", "guard page",
            "write to a read-only page", "instruction fetch from a non-executable page (NX)", "read from a non-readable
            page", "user access to a kernel address", "reserved, not committed"…) to report exactly that, or any other
            text, reported as "fault not resolved by the fault handler (text)".
            """) { s, call in
            let text = try call.optionalString(2)
            let reason = text.flatMap { SegvReason(rawValue: $0) } ?? .handlerFailed
            let detail = reason == .handlerFailed ? (text ?? "killed by the fault handler") : ""
            let f = s.context.fault
            if s.segv == nil {
                s.segv = s.kernel.sigsegv(s.process, va: f.va, access: f.access, reason: reason, detail: detail)
            }
            return 0
        }
        cls.method("default", signature: "k:default() -> kind | nil, segv_reason", doc: """
            Runs the built-in handler for this fault; returns how it was resolved ("demand-zero", "cow-copy"…), or
            nil and the SIGSEGV reason (the process gets the signal when the handler returns).
            """) { s, call in
            let f = s.context.fault
            do throws(KernelError) {
                let kind = try s.kernel.resolveFault(s.process, va: f.va, access: f.access, privilege: f.privilege,
                                                     nonCanonical: f.reason == .nonCanonical)
                return call.push(kind.rawValue)
            } catch {
                if case let .segv(fault) = error {
                    s.segv = error
                    return call.fail(fault.reason.rawValue)
                }
                throw LuaScriptError(error.description)
            }
        }
        cls.method("refcount", signature: "k:refcount(pa) -> integer", doc: "References held on the frame at pa (mappings + page cache).") { s, call in
            call.push(s.kernel.refcount(try call.address(2)))
        }
        cls.method("pte", signature: "k:pte(va) -> raw", doc: "The raw leaf PTE of the page at va (0 when none).") { s, call in
            let va = try call.address(2)
            guard let m = try? s.process.space.lookup(va) else { return call.push(0) }
            return call.push(m.pte.raw.lua)
        }
        return cls
    }

    /// Runs a primitive; a failure is a Lua error.
    @discardableResult
    static func run<T>(_ body: () throws(KernelError) -> T) throws -> T {
        do throws(KernelError) { return try body() } catch { throw LuaScriptError(error.description) }
    }

    /// The fault as the Lua handler sees it.
    func record() -> LuaRecord {
        let f = context.fault
        let k = kernel
        var r = LuaRecord([
            ("va", f.va.lua), ("page", (f.va & ~(k.pageBytes - 1)).lua), ("op", f.access.description),
            ("privilege", f.privilege.rawValue), ("reason", f.reason.rawValue), ("error_code", Int(f.errorCode)),
            ("code", Int(f.code)), ("error_bits", f.errorCodeText), ("pid", process.pid), ("pte", context.pte.lua),
        ])
        let pte = k.mode.decode(context.pte)
        r.set("present", pte.present)
        r.set("writable", pte.present && pte.writable)
        if pte.present { r.set("pa", k.machine.memory.address(frame: pte.frame).lua) }
        if let v = context.vma { r.set("vma", LuaProcess.vmaRecord(v)) }
        return r
    }
}

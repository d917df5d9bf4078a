import LuaKit
import VMLab

/// What the Lua bindings keep per kernel (in `Kernel.attachment`): event handlers, the Lua
/// fault handler, and the first error a handler raised during a kernel operation (raised
/// again when the operation returns, since the kernel cannot stop half-way).
///
/// The handlers hold their Lua functions (and so the state); `m:on(kind, nil)` and
/// `m:set_fault_handler(nil)` drop them.
final class LuaKernelBridge {
    var handlers: [String: [LuaReference]] = [:]
    var faultHandler: LuaReference?
    var pendingError: String?

    /// The bridge of `kernel`, created on first use.
    static func of(_ kernel: Kernel) -> LuaKernelBridge {
        if let existing = kernel.attachment as? LuaKernelBridge { return existing }
        let made = LuaKernelBridge()
        kernel.attachment = made
        return made
    }

    /// Raises (as a Lua error) what a handler raised during the last operation, once.
    func raisePending() throws {
        guard let message = pendingError else { return }
        pendingError = nil
        throw LuaScriptError(message)
    }

    /// Installs or removes the kernel observer so that it runs only when someone listens.
    func updateObserver(_ kernel: Kernel, state: LuaState) {
        guard handlers.values.contains(where: { !$0.isEmpty }) else {
            kernel.observer = nil
            return
        }
        kernel.observer = { [unowned self] event in
            guard let list = self.handlers[event.kind], !list.isEmpty else { return }
            let record = LuaRecord([("event", event.kind)] + event.fields.map { (name, value) in
                switch value {
                case .integer(let i): return (name, i as any LuaPushable)
                case .text(let t): return (name, t as any LuaPushable)
                case .flag(let b): return (name, b as any LuaPushable)
                }
            })
            for handler in list {
                do { try handler.state.call(handler, [record]) } catch {
                    if self.pendingError == nil { self.pendingError = "error in '\(event.kind)' handler: \(error)" }
                }
            }
        }
    }
}

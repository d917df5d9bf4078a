import CLuaShim

/// The body of a Swift function bound to Lua: reads its arguments from the
/// call, pushes its results and returns how many it pushed. It reports
/// failure by throwing; it never raises a Lua error itself (DESIGN.md §3).
///
/// ```swift
/// state.register("twice", signature: "twice(n) -> integer", doc: "Doubles n.") { call in
///     call.push(try call.integer(1) * 2)
/// }
/// ```
public typealias LuaFunctionBody = (LuaCall) throws -> Int32

/// A bound function's Swift half, retained by the userdata behind the C closure.
final class LuaFunctionBox {
    let body: LuaFunctionBody

    init(_ body: @escaping LuaFunctionBody) { self.body = body }
}

/// The one entry from C into Swift: run the body, turn a thrown error into a
/// status and leave the error value on the stack for the trampoline to raise.
private let dispatchToSwift: lk_Dispatcher = { L, target in
    guard let L, let target else { return LK_ERROR }
    // Borrowed, not retained: the Lua closure owns the box for as long as it can be called,
    // and a retain and release per call cost more than the rest of a small call.
    let box = Unmanaged<LuaFunctionBox>.fromOpaque(target)
    do {
        return try box._withUnsafeGuaranteedRef { try $0.body(LuaCall(L)) }
    } catch let error as LuaArgumentError {
        error.reason.push(to: L)
        lua_pushinteger(L, lua_Integer(error.index))
        return LK_ARGERROR
    } catch let error as LuaRaise {
        error.value.push(to: L)
        return LK_RAISE
    } catch {
        String(describing: error).push(to: L)
        return LK_ERROR
    }
}

private let releaseSwiftObject: lk_Releaser = { target in
    guard let target else { return }
    Unmanaged<AnyObject>.fromOpaque(target).release()
}

/// Installs the dispatcher and releaser in the C shim, once per process.
let installBridge: Void = {
    lk_setdispatcher(dispatchToSwift)
    lk_setreleaser(releaseSwiftObject)
}()

/// Thrown by a bound function to raise a Lua value unchanged (no position added).
public struct LuaRaise: Error, @unchecked Sendable {
    public let value: LuaValue
    public init(_ value: LuaValue) { self.value = value }
}

extension LuaState {
    /// Pushes a Swift function as a Lua function (a C closure over the body).
    public func pushFunction(_ body: @escaping LuaFunctionBody) {
        let box = Unmanaged.passRetained(LuaFunctionBox(body)).toOpaque()
        lk_pushfunction(L, box)
    }
}

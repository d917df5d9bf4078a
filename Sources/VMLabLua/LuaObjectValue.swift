import LuaKit

/// Pushes a Swift object as the userdata of its class.
struct LuaObjectValue<Object: AnyObject>: LuaPushable {
    let object: Object
    let cls: LuaClass<Object>
    func push(to L: OpaquePointer) { LuaState.owner(of: L).push(object, as: cls) }
}

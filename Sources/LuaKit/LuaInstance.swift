/// An object of a bound class as a pushable value, so lists and records can
/// hold userdata: `call.push(cpus.map { cls.instance($0) })`.
public struct LuaInstance<Object: AnyObject>: LuaPushable {
    public let object: Object
    public let cls: LuaClass<Object>

    public func push(to L: OpaquePointer) { LuaState.owner(of: L).push(object, as: cls) }
}

extension LuaClass {
    /// `object` as a value that pushes as this class's userdata.
    public func instance(_ object: Object) -> LuaInstance<Object> { LuaInstance(object: object, cls: self) }
}

import CLuaShim

/// A Swift class exposed to Lua as a userdata type: methods, properties,
/// `__tostring`, `__eq` (same Swift object) and `__gc` (releases it).
///
/// ```swift
/// let counter = LuaClass<Counter>("demo.counter", doc: "A counter.")
/// counter.method("add", signature: "c:add(n)", doc: "Adds n.") { c, call in
///     c.value += try call.integer(2); return 0
/// }
/// counter.property("value", doc: "Current value.") { c, call in call.push(c.value) }
/// state.register(counter)
/// ```
///
/// Methods live in a plain table used as `__index` when the class has no
/// properties, so a method lookup costs no Swift call. Argument 1 of a
/// method is the object itself (`obj:method(…)`), as in Lua's C libraries.
public final class LuaClass<Object: AnyObject> {
    public typealias Method = (Object, LuaCall) throws -> Int32
    public typealias Setter = (Object, LuaCall) throws -> Void

    /// The metatable name, also the type name in messages (`vm.machine expected`).
    public let name: String
    public let doc: String
    var methods: [(name: String, signature: String, doc: String, body: Method)] = []
    var getters: [(name: String, doc: String, body: Method)] = []
    var setters: [(name: String, body: Setter)] = []
    var describe: ((Object) -> String)?
    var metamethods: [(name: String, body: LuaFunctionBody)] = []

    public init(_ name: String, doc: String) {
        self.name = name
        self.doc = doc
    }

    /// Adds a method; the body gets the object and the call (self is argument 1).
    public func method(_ name: String, signature: String, doc: String, _ body: @escaping Method) {
        methods.append((name, signature, doc, body))
    }

    /// Adds a read-only (or, with `set`, writable) property. A setter finds
    /// the object in argument 1 and the new value in argument 2.
    public func property(_ name: String, doc: String, get: @escaping Method, set: Setter? = nil) {
        getters.append((name, doc, get))
        if let set { setters.append((name, set)) }
    }

    /// How `tostring(obj)` shows the object.
    public func tostring(_ body: @escaping (Object) -> String) {
        describe = body
    }

    /// Adds another metamethod (`__len`, `__call`, `__close`, …).
    public func metamethod(_ name: String, _ body: @escaping LuaFunctionBody) {
        metamethods.append((name, body))
    }

    /// Pushes the userdata for `object`: the same userdata for the same object.
    func push(_ object: Object, to L: OpaquePointer) {
        let pointer = Unmanaged.passUnretained(object).toOpaque()
        if lk_pushcached(L, pointer) != 0 { return }
        _ = lk_newobject(L, Unmanaged.passRetained(object).toOpaque(), name)
    }

    /// The object in argument 1 of a method, or Lua's "calling 'm' on bad self".
    func checkSelf(_ call: LuaCall) throws -> Object {
        try call.object(1, self)
    }
}

extension LuaState {
    /// Creates the metatable of a class. Call once, after adding its members.
    public func register<Object>(_ cls: LuaClass<Object>) {
        guard lk_newclass(L, cls.name, cls.getters.isEmpty ? 0 : 1) != 0 else {
            lk_pop(L, 1)
            return
        }
        help.register(path: cls.name, kind: .class, signature: cls.name, doc: cls.doc, value: -1, in: self)
        let prefix = cls.name
        lua_getfield(L, -1, "__methods")
        for m in cls.methods {
            m.name.push(to: L)
            pushFunction { call in try m.body(cls.checkSelf(call), call) }
            help.register(path: "\(prefix):\(m.name)", kind: .method, signature: m.signature, doc: m.doc, value: -1, in: self)
            lua_rawset(L, -3)
        }
        lk_pop(L, 1)
        lua_getfield(L, -1, "__getters")
        for g in cls.getters {
            g.name.push(to: L)
            pushFunction { call in try g.body(cls.checkSelf(call), call) }
            help.register(path: "\(prefix).\(g.name)", kind: .property, signature: "\(prefix).\(g.name)", doc: g.doc, value: nil, in: self)
            lua_rawset(L, -3)
        }
        lk_pop(L, 1)
        lua_getfield(L, -1, "__setters")
        for s in cls.setters {
            s.name.push(to: L)
            pushFunction { call in try s.body(cls.checkSelf(call), call); return 0 }
            lua_rawset(L, -3)
        }
        lk_pop(L, 1)
        "__tostring".push(to: L)
        pushFunction { call in
            let object = try cls.checkSelf(call)
            if let describe = cls.describe { return call.push(describe(object)) }
            return call.push("\(cls.name): \(Unmanaged.passUnretained(object).toOpaque())")
        }
        lua_rawset(L, -3)
        for m in cls.metamethods {
            m.name.push(to: L)
            pushFunction(m.body)
            lua_rawset(L, -3)
        }
        lk_pop(L, 1)
    }

    /// Pushes the userdata for a Swift object of a registered class.
    public func push<Object>(_ object: Object, as cls: LuaClass<Object>) {
        cls.push(object, to: L)
    }

    /// Releases the object behind the userdata at `index` now; later uses of
    /// that userdata fail with "… is closed". Returns false if it was already closed.
    @discardableResult
    public func closeObject(at index: Int32) -> Bool {
        lk_closeobject(L, index) != 0
    }
}

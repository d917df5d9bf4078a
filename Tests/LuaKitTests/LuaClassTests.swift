import LuaKit
import Testing

@Suite(.serialized) struct LuaClassTests {
    func counterClass() -> LuaClass<Tracked> {
        let cls = LuaClass<Tracked>("test.counter", doc: "A counter.")
        cls.method("add", signature: "c:add(n)", doc: "Adds n.") { c, call in
            c.value += try call.integer(2)
            return 0
        }
        cls.property("value", doc: "The count.", get: { c, call in call.push(c.value) }, set: { c, call in
            c.value = try call.integer(2)
        })
        cls.tostring { "counter(\($0.value))" }
        return cls
    }

    let count = LiveCount()

    func install(_ state: LuaState) -> LuaClass<Tracked> {
        let cls = counterClass()
        state.register(cls)
        state.register("counter", signature: "counter(n)", doc: "A new counter.") { call in
            call.push(Tracked(try call.optionalInteger(1) ?? 0, count: count), as: cls)
        }
        return cls
    }

    @Test func methodsPropertiesAndTostring() throws {
        let state = try makeState()
        _ = install(state)
        let r = try state.run("local c = counter(1) c:add(41) c.value = c.value + 1 return c.value, tostring(c)")
        #expect(r == [.integer(43), .string("counter(43)")])
        #expect(errorMessage(state, "local c = counter() c.nothing = 1") == "test:1: test.counter has no field 'nothing' to set")
        #expect(errorMessage(state, "local c = counter() c.add(5)") == "test:1: bad argument #1 to 'add' (test.counter expected, got number)")
        #expect(errorMessage(state, "local c = counter() c:add('x')") == "test:1: bad argument #1 to 'add' (number expected, got string)")
    }

    @Test func sameObjectIsSameUserdata() throws {
        let state = try makeState()
        let cls = install(state)
        let shared = Tracked(5, count: count)
        state.register("get", signature: "get()", doc: "") { call in call.push(shared, as: cls) }
        #expect(try state.run("return get() == get(), counter() == counter(), rawequal(get(), get())") == [.boolean(true), .boolean(false), .boolean(true)])
    }

    @Test func gcReleasesSwiftObjects() throws {
        let state = try makeState()
        _ = install(state)
        try state.run("for i = 1, 100 do local c = counter(i) end")
        try state.run("collectgarbage() collectgarbage()")
        #expect(count.live == 0)
        try state.run("keep = {} for i = 1, 10 do keep[i] = counter(i) end")
        #expect(count.live == 10)
        state.close()
        #expect(count.live == 0)
    }

    @Test func closedObjectsFailClearly() throws {
        let state = try makeState()
        let cls = install(state)
        state.register("close", signature: "close(c)", doc: "") { call in
            _ = try call.object(1, cls)
            call.state.closeObject(at: 1)
            return 0
        }
        #expect(errorMessage(state, "local c = counter() close(c) c:add(1)") == "test:1: calling 'add' on bad self (test.counter is closed)")
    }
}

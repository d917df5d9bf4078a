import LuaKit
import VMLab

/// `vm.contiguous{…}`: memory before paging — contiguous allocation with a fit policy, base/limit
/// relocation, external fragmentation, compaction, and segmentation (`vm.program`).
enum LuaContiguous {
    static let options = ["memory", "fit"]
    static let segmentOptions = ["size", "prot", "grows_down"]

    static func install(in state: LuaState) {
        let programs = makeProgramClass()
        let cls = LuaClass<ContiguousMemory>("vm.contiguous", doc: """
            Physical memory managed the way it was before paging: each program (or each segment of a program) takes one
            contiguous range, found by a fit policy; the free ranges between them are holes.
            local c = vm.contiguous{ memory = "8 MiB", fit = "first" }
            local a = c:load("A", "1 MiB")
            print(c:map())
            """)
        cls.tostring { c in "vm.contiguous(\(Units.size(c.memory.bytes)), \(c.fit.rawValue) fit, \(c.programs.count) programs)" }
        cls.property("memory", doc: "Bytes of memory.", get: { c, call in call.push(Int(c.memory.bytes)) })
        cls.property("fit", doc: "The fit policy: first, best, worst or next (assignable).",
                     get: { c, call in call.push(c.fit.rawValue) },
                     set: { c, call in c.fit = try fit(try call.string(2)) })
        cls.property("free", doc: "Bytes free in all holes.", get: { c, call in call.push(Int(c.freeBytes)) })
        cls.property("largest_hole", doc: "Bytes of the largest hole.", get: { c, call in call.push(Int(c.largestHole)) })
        cls.property("fragmentation", doc: "External fragmentation: 1 − largest hole / free bytes (0 when all free memory is one hole).",
                     get: { c, call in call.push(c.freeBytes == 0 ? 0 : 1 - Double(c.largestHole) / Double(c.freeBytes)) })
        cls.property("programs", doc: "The loaded programs (vm.program), in load order.", get: { c, call in
            call.push(c.programs.map { programs.instance($0) })
        })
        cls.property("stats", doc: "Counters: loads, failures (no hole large enough), unloads, compactions, bytes_moved.", get: { c, call in
            let s = c.stats
            return call.push(LuaRecord([("loads", s.loads), ("failures", s.failures), ("unloads", s.unloads),
                                        ("compactions", s.compactions), ("bytes_moved", Int(s.bytesMoved))]))
        })
        cls.method("load", signature: "c:load(name, size | {seg = {size=, prot=, grows_down=}, …}) -> vm.program | nil, err", doc: """
            Loads a program in one piece of size bytes (segment "all", rwx), or — segmentation — as named segments, each
            placed on its own by the fit policy, in name order: c:load("P", { code = { size = "64K", prot = "rx" },
            data = { size = "128K", prot = "rw" }, stack = { size = "64K", prot = "rw", grows_down = true } }).
            Contents start as zeros. When no hole is large enough it returns nil and "ENOMEM: …" saying how much is
            free and in how many holes (external fragmentation); nothing is left half-loaded.
            """) { c, call in
            let name = try call.string(2)
            do {
                let program: ContiguousProgram
                if call.type(3) == LuaType.table {
                    program = try c.load(name: name, segments: try segments(try call.table(3)))
                } else {
                    program = try c.load(name: name, bytes: UInt64(try call.size(3)))
                }
                return call.push(program, as: programs)
            } catch let error as ContiguousError {
                if case .outOfMemory = error { return call.push(LuaValue.nil, error.description) }
                throw LuaScriptError(error.description)
            }
        }
        cls.method("unload", signature: "c:unload(program | name)", doc: "Frees a program's memory: its pieces become holes (merged with neighbours).") { c, call in
            let program: ContiguousProgram
            if call.type(2) == LuaType.string {
                let name = try call.string(2)
                guard let found = c.programs.first(where: { $0.name == name }) else { throw LuaArgumentError(2, "no program named '\(name)' is loaded") }
                program = found
            } else {
                program = try call.object(2, programs)
            }
            try c.unload(program)
            return 0
        }
        cls.method("compact", signature: "c:compact() -> bytes_moved", doc: """
            Slides every piece down in address order so that all free memory becomes one hole; contents move with their
            programs and bases change (offsets stay valid: relocation). Returns the bytes copied — the price.
            """) { c, call in
            call.push(Int(c.compact()))
        }
        cls.method("holes", signature: "c:holes() -> {{base=, size=}…}", doc: "The holes, by address.") { c, call in
            call.push(c.holes().map { LuaRecord([("base", Int($0.base)), ("size", Int($0.bytes))]) })
        }
        cls.method("map", signature: "c:map() -> string", doc: "A picture of memory: one line per piece or hole, low addresses first.") { c, call in
            call.push(c.map())
        }
        state.register(programs)
        state.register(cls)
        state.register("vm.contiguous", signature: "vm.contiguous{memory=, fit=} -> vm.contiguous", doc: """
            Memory before paging (see vm.contiguous methods). memory: a size (default "8 MiB"); fit: "first" (default),
            "best", "worst" or "next" — where a program goes among the holes that can hold it (ties: lowest address;
            next fit starts after the previous allocation and wraps around once).
            """) { call in
            let t = call.isNoneOrNil(1) ? nil : try call.table(1)
            try t?.checkOptions(options, function: "vm.contiguous")
            var bytes: UInt64 = 8 << 20
            if let t, t.has("memory") {
                do { bytes = try VMModule.size(t.value("memory")) } catch { throw LuaScriptError("vm.contiguous: memory: \(error)") }
            }
            let policy = try fit(try t?.string("fit") ?? "first")
            do {
                return call.push(try ContiguousMemory(bytes: bytes, fit: policy), as: cls)
            } catch {
                throw LuaScriptError("vm.contiguous: \(error)")
            }
        }
    }

    static func fit(_ name: String) throws -> FitPolicy {
        guard let fit = FitPolicy.named(name) else {
            throw LuaScriptError("unknown fit '\(name)' (expected first, best, worst or next)")
        }
        return fit
    }

    /// `{ name = {size=, prot=, grows_down=}, … }`, in name order.
    static func segments(_ t: LuaTableView) throws -> [Segment] {
        try t.stringKeys.sorted().map { name in
            try t.withTable(name) { s in
                try s.checkOptions(segmentOptions, function: "segment '\(name)'")
                let size: UInt64
                do { size = try VMModule.size(s.value("size")) } catch { throw LuaScriptError("segment '\(name)': size: \(error)") }
                let prot = try s.string("prot") ?? "rw"
                guard prot.allSatisfy({ "rwx-".contains($0) }) else {
                    throw LuaScriptError("segment '\(name)': prot must be letters of \"rwx\", got \"\(prot)\"")
                }
                return Segment(name: name, limit: size, readable: prot.contains("r"), writable: prot.contains("w"),
                               executable: prot.contains("x"), growsDown: try s.boolean("grows_down") ?? false)
            }
        }
    }

    static func makeProgramClass() -> LuaClass<ContiguousProgram> {
        let cls = LuaClass<ContiguousProgram>("vm.program", doc: """
            A program in contiguous memory: its segments (base, limit, protection) and relocated accesses.
            local p = c:load("P", "1 MiB"); print(p.base, p.limit, p:translate(0x1234).pa)
            """)
        cls.tostring { p in "vm.program(\(p.name), \(Units.size(p.bytes)), \(p.segments.count) segment\(p.segments.count == 1 ? "" : "s"))" }
        cls.property("name", doc: "Its name.", get: { p, call in call.push(p.name) })
        cls.property("base", doc: "Base of its first segment (the relocation register).", get: { p, call in call.push(Int(p.segments.first?.base ?? 0)) })
        cls.property("limit", doc: "Limit (bytes) of its first segment.", get: { p, call in call.push(Int(p.segments.first?.limit ?? 0)) })
        cls.property("size", doc: "Bytes of all its segments.", get: { p, call in call.push(Int(p.bytes)) })
        cls.property("loaded", doc: "False once unloaded.", get: { p, call in call.push(p.isLoaded) })
        cls.property("segments", doc: "Its segments: {name=, base=, limit=, prot=, grows_down=}, in placement order.", get: { p, call in
            call.push(p.segments.map { s in
                LuaRecord([("name", s.name), ("base", Int(s.base)), ("limit", Int(s.limit)), ("prot", s.protectionText), ("grows_down", s.growsDown)])
            })
        })
        cls.method("translate", signature: "p:translate([segment,] offset [, op]) -> {pa=, segment=, base=, limit=} | {fault={reason=, message=}}", doc: """
            Relocates an offset as a base/limit MMU does: offset < limit, the protection allows op ("r", "w", "x"), then
            pa = base + offset (a grows-down segment counts from its top). A failed check returns fault = { reason =
            "beyond limit" | "protection" | "no segment", message = … }.
            """) { p, call in
            let (segment, first) = call.type(2) == LuaType.string ? (try call.string(2), Int32(3)) : (nil, Int32(2))
            let offset = try call.address(first)
            let access = try call.accessKind(first + 1)
            do {
                let pa = try p.translate(offset, segment: segment, access: access)
                let s = try p.find(segment)
                return call.push(LuaRecord([("pa", Int(pa)), ("segment", s.name), ("base", Int(s.base)), ("limit", Int(s.limit))]))
            } catch let fault as SegmentFault {
                return call.push(LuaRecord([("fault", LuaRecord([("reason", fault.reason), ("message", fault.description)]))]))
            }
        }
        cls.method("read", signature: "p:read([segment,] offset [, width]) -> integer", doc: "Reads a value of width 1, 2, 4 or 8 bytes (default 8) at a relocated offset; a segment fault is an error.") { p, call in
            let (segment, first) = call.type(2) == LuaType.string ? (try call.string(2), Int32(3)) : (nil, Int32(2))
            return call.push(try p.read(try call.address(first), width: try call.optionalInteger(first + 1) ?? 8, segment: segment).lua)
        }
        cls.method("write", signature: "p:write([segment,] offset, value [, width])", doc: "Writes a value of width 1, 2, 4 or 8 bytes (default 8) at a relocated offset; a segment fault is an error.") { p, call in
            let (segment, first) = call.type(2) == LuaType.string ? (try call.string(2), Int32(3)) : (nil, Int32(2))
            try p.write(try call.address(first), UInt64(bitPattern: Int64(try call.integer(first + 1))),
                        width: try call.optionalInteger(first + 2) ?? 8, segment: segment)
            return 0
        }
        return cls
    }
}

import LuaKit
import VMLab

/// A trace held by Lua: the reader or generator and a small read-ahead buffer
/// for `t:each()`.
final class TraceHandle {
    let trace: any Trace
    var buffer: [Access] = Array(repeating: Access(), count: 256)
    var position = 0
    var filled = 0

    init(_ trace: any Trace) { self.trace = trace }

    deinit { trace.close() }

    /// The next access, or nil at the end.
    func next() throws -> Access? {
        if position == filled {
            filled = try buffer.withUnsafeMutableBufferPointer { try trace.next(into: $0) }
            position = 0
            if filled == 0 { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// Fills `out` from what `next()` read ahead, else from the trace; 0 at the end.
    func read(into out: UnsafeMutableBufferPointer<Access>) throws -> Int {
        guard position < filled else { return try trace.next(into: out) }
        let n = min(out.count, filled - position)
        for i in 0..<n { out[i] = buffer[position + i] }
        position += n
        return n
    }

    /// Puts accesses read but not used back in front of the stream.
    func unread(_ accesses: ArraySlice<Access>) {
        buffer = Array(accesses) + buffer[position..<filled]
        position = 0
        filled = buffer.count
    }

    func rewind() throws {
        try trace.rewind()
        position = 0
        filled = 0
    }
}

/// `vm.trace.*`: real and synthetic memory traces (DESIGN.md §4 Workloads).
enum LuaTrace {
    static let generatorOptions = ["pages", "n", "seed", "writes", "page_size", "base", "size", "stride", "alpha", "working_set", "phases"]

    static func install(in state: LuaState) -> LuaClass<TraceHandle> {
        state.module("vm.trace", doc: """
            Memory traces: readers of real traces (Valgrind lackey, page or address lists, CSV, vmlab's binary format;
            .gz/.zst/.xz read through gzip/zstd/xz), seeded generators, and conversion to the binary format.
            A trace is replayed in Swift by the run methods; `for op, address, size in t:each() do … end` reads it from Lua.
            """)
        let cls = LuaClass<TraceHandle>("vm.trace", doc: "A stream of memory accesses (op, address, size).")
        cls.tostring { "vm.trace(\(String(describing: $0.trace)))" }
        cls.method("each", signature: "t:each() -> iterator", doc: """
            An iterator over the accesses from the current position: for op, address, size in t:each() do … end
            (op is "read", "write" or "execute").
            """) { handle, call in
            call.state.pushFunction { call in
                guard let access = try handle.next() else { return call.pushNil() }
                return call.push(access.kind.description, access.address.lua, Int(access.size))
            }
            return 1
        }
        cls.method("collect", signature: "t:collect([limit]) -> {{op=, address=, size=}…}", doc: "Reads up to limit accesses (all by default) into a list.") { handle, call in
            let limit = try call.optionalInteger(2) ?? Int.max
            guard limit >= 0 else { throw LuaArgumentError(2, "limit must not be negative") }
            var list: [LuaRecord] = []
            while list.count < limit, let a = try handle.next() {
                list.append(LuaRecord([("op", a.kind.description), ("address", a.address.lua), ("size", Int(a.size))]))
                if list.count % 65536 == 0, let stop = call.state.stopReason { throw LuaScriptError(stop.message) }
            }
            return call.push(list)
        }
        cls.method("info", signature: "t:info([page_size]) -> table", doc: """
            Reads the whole trace once (from the start) and returns records, reads, writes, fetches,
            distinct_pages, footprint (bytes), lowest and highest address. Rewinds afterwards.
            """) { handle, call in
            let pageSize = UInt64(try call.size(2, default: 4096))
            try handle.rewind()
            let info = try TraceInfo(measuring: handle.trace, pageSize: pageSize)
            try handle.rewind()
            var r = LuaRecord([("records", info.records), ("reads", info.reads), ("writes", info.writes),
                               ("fetches", info.fetches), ("distinct_pages", info.distinctPages),
                               ("footprint", Int(info.footprint)), ("page_size", Int(info.pageSize))])
            if let low = info.lowestAddress { r.set("lowest", low.lua) }
            if let high = info.highestAddress { r.set("highest", high.lua) }
            return call.push(r)
        }
        cls.method("count", signature: "t:count() -> integer", doc: "Reads the rest of the trace in Swift and returns how many accesses it held.") { handle, call in
            var total = 0
            var buffer = [Access](repeating: Access(), count: 4096)
            while true {
                let n = try buffer.withUnsafeMutableBufferPointer { try handle.read(into: $0) }
                if n == 0 { break }
                total += n
                if let stop = call.state.stopReason { throw LuaScriptError(stop.message) }
            }
            return call.push(total)
        }
        cls.method("rewind", signature: "t:rewind()", doc: "Starts the trace again from its first access (a generator repeats the same sequence).") { handle, _ in
            try handle.rewind()
            return 0
        }
        cls.method("close", signature: "t:close()", doc: "Releases the file (and decompressor process) now.") { handle, _ in
            handle.trace.close()
            return 0
        }
        state.register(cls)
        installReaders(in: state, cls)
        installGenerators(in: state, cls)
        return cls
    }

    static func installReaders(in state: LuaState, _ cls: LuaClass<TraceHandle>) {
        state.register("vm.trace.lackey", signature: "vm.trace.lackey(path [, {page_size=}]) -> vm.trace", doc: """
            A Valgrind lackey trace (valgrind --tool=lackey --trace-mem=yes): I fetch, L load, S store, M modify (a load
            then a store); ==PID== lines skipped. An access whose bytes cross a page boundary (page_size, default 4096;
            false keeps records whole) touches both pages. Malformed lines are errors naming file and line.
            """) { call in
            let path = try call.path(1)
            var pageSize: UInt64? = 4096
            if !call.isNoneOrNil(2) {
                let t = try call.table(2)
                try t.checkOptions(["page_size"], function: "vm.trace.lackey")
                if case .boolean(false) = t.value("page_size") { pageSize = nil } else if let n = try t.integer("page_size") { pageSize = UInt64(max(0, n)) }
            }
            return call.push(TraceHandle(try LackeyTrace(path: path, pageSize: pageSize)), as: cls)
        }
        state.register("vm.trace.pages", signature: "vm.trace.pages(path [, page_size]) -> vm.trace", doc: """
            A list of page numbers, one per line (decimal or 0x hex), optionally with R/W; # comments and blank lines skipped.
            """) { call in
            let path = try call.path(1)
            let pageSize = UInt64(try call.size(2, default: 4096))
            return call.push(TraceHandle(try ListTrace(path: path, numbers: .pageNumbers(pageSize: pageSize))), as: cls)
        }
        state.register("vm.trace.addresses", signature: "vm.trace.addresses(path) -> vm.trace", doc: "Like vm.trace.pages, with byte addresses instead of page numbers.") { call in
            call.push(TraceHandle(try ListTrace(path: try call.path(1), numbers: .addresses)), as: cls)
        }
        state.register("vm.trace.csv", signature: "vm.trace.csv(path [, {address=, op=, size=, numbers=, separator=, page_size=}]) -> vm.trace", doc: """
            A CSV file with a header line. address names the address column (default "address"); op the kind column
            (default: "op" if present, else every access is a read); size an optional size column; numbers "addresses"
            (default) or "pages"; separator one character (default ",").
            """) { call in
            let path = try call.path(1)
            let t = call.isNoneOrNil(2) ? nil : try call.table(2)
            try t?.checkOptions(["address", "op", "size", "numbers", "separator", "page_size"], function: "vm.trace.csv")
            let numbers: TraceNumbers
            switch try t?.string("numbers") ?? "addresses" {
            case "addresses": numbers = .addresses
            case "pages": numbers = .pages
            case let other: throw LuaScriptError("vm.trace.csv: numbers must be \"addresses\" or \"pages\", got \"\(other)\"")
            }
            let separator = try t?.string("separator") ?? ","
            guard separator.count == 1, let character = separator.first else { throw LuaScriptError("vm.trace.csv: separator must be one character") }
            let pageSize = try t?.integer("page_size").map { UInt64(max(0, $0)) }
            let trace = try CSVTrace(path: path, addressColumn: try t?.string("address") ?? "address", kindColumn: try t?.string("op"),
                                     sizeColumn: try t?.string("size"), numbers: numbers, separator: character, pageSize: pageSize)
            return call.push(TraceHandle(trace), as: cls)
        }
        state.register("vm.trace.binary", signature: "vm.trace.binary(path) -> vm.trace", doc: "A trace in vmlab's binary format (see vm.trace.convert).") { call in
            call.push(TraceHandle(try BinaryTrace(path: try call.path(1))), as: cls)
        }
        state.register("vm.trace.open", signature: "vm.trace.open(path) -> vm.trace", doc: "Any trace file, its format detected from its first bytes and name.") { call in
            let path = try call.path(1)
            return call.push(TraceHandle(try TraceFormat.detect(path: path).open(path: path)), as: cls)
        }
        state.register("vm.trace.convert", signature: "vm.trace.convert(input, output) -> records", doc: """
            Converts any trace file (format detected) to vmlab's binary format, parsed once and replayed fast:
            a 32-byte header (magic "VMTRACE\\0", version 1, header size, record size 16, flags, record count, page
            size) then 16-byte little-endian records (address u64, size u32, kind u8: 0 read, 1 write, 2 execute).
            """) { call in
            call.push(try BinaryTraceWriter.convert(input: try call.path(1), output: try call.path(2)))
        }
        state.register("vm.trace.list", signature: "vm.trace.list{1, 2, 3, …} or vm.trace.list{{\"w\", 0x1000}, …} -> vm.trace", doc: """
            A trace from a Lua list: page numbers (reads of 4 KiB pages, for textbook reference strings such as
            vm.trace.list{1,2,3,4,1,2,5,1,2,3,4,5}), or {op, address} pairs with op "r", "w" or "x".
            """) { call in
            let t = try call.table(1)
            var pages: [UInt64] = []
            var pairs: [(AccessKind, UInt64)] = []
            for i in 1...max(1, t.length) where t.length > 0 {
                switch t.element(i) {
                case .integer(let n):
                    guard n >= 0 else { throw LuaArgumentError(1, "element \(i): page numbers must not be negative") }
                    pages.append(UInt64(n))
                case .table(let pair):
                    pair.push(to: call.L)
                    defer { call.state.pop() }
                    let view = LuaTableView(call.state, at: -1)
                    guard case .string(let op) = view.element(1), let kind = AccessKind(name: op),
                          let address = view.element(2).intValue else {
                        throw LuaArgumentError(1, "element \(i): expected {op, address} with op \"r\", \"w\" or \"x\"")
                    }
                    pairs.append((kind, UInt64(bitPattern: Int64(address))))
                default:
                    throw LuaArgumentError(1, "element \(i): expected a page number or an {op, address} pair")
                }
            }
            guard pages.isEmpty || pairs.isEmpty else { throw LuaArgumentError(1, "mixes page numbers and {op, address} pairs") }
            let trace = pairs.isEmpty ? try ArrayTrace(pages: pages) : try ArrayTrace(pairs: pairs, numbers: .addresses)
            return call.push(TraceHandle(trace), as: cls)
        }
    }

    static func installGenerators(in state: LuaState, _ cls: LuaClass<TraceHandle>) {
        let docs: [(String, String)] = [
            ("sequential", "pages 0, 1, 2, … wrapping at pages"),
            ("strided", "every stride-th page (stride=), wrapping"),
            ("uniform", "pages uniformly at random"),
            ("zipf", "page ranks drawn from Zipf(alpha=) over pages: rank k with probability ∝ 1/k^alpha"),
            ("loop", "a loop over the first working_set= pages"),
            ("phases", "working-set phases: phases={{pages=, length=}, …}, uniform within each"),
            ("pointer_chase", "one random cycle through all pages (a linked list with no locality)"),
        ]
        for (name, what) in docs {
            state.register("vm.trace.\(name)", signature: "vm.trace.\(name){pages=, n=, seed=, writes=, page_size=, base=, size=…} -> vm.trace", doc: """
                Generated trace: \(what). pages: how many distinct pages; n: accesses (default pages); seed (default 0);
                writes: fraction of writes 0…1; page_size (default 4096); base: first address; size: bytes per access.
                Same seed, same sequence.
                """) { call in
                call.push(TraceHandle(try generate(name, call.isNoneOrNil(1) ? nil : try call.table(1), function: "vm.trace.\(name)")), as: cls)
            }
        }
    }

    static func generate(_ name: String, _ t: LuaTableView?, function: String) throws -> GeneratedTrace {
        guard let t else { throw LuaScriptError("\(function): expected an options table with at least pages=") }
        try t.checkOptions(generatorOptions, function: function)
        guard let pages = try t.integer("pages") else { throw LuaScriptError("\(function): pages= is required") }
        let pattern: GeneratorPattern
        switch name {
        case "sequential": pattern = .sequential
        case "uniform": pattern = .uniform
        case "pointer_chase": pattern = .pointerChase
        case "strided": pattern = .strided(stride: try t.integer("stride") ?? 1)
        case "zipf":
            guard let alpha = try t.number("alpha") else { throw LuaScriptError("\(function): alpha= is required") }
            pattern = .zipf(alpha: alpha)
        case "loop": pattern = .loop(workingSet: try t.integer("working_set") ?? pages)
        default:
            guard case .table(let list) = t.value("phases") else { throw LuaScriptError("\(function): phases= {{pages=, length=}, …} is required") }
            let phases = try list.withTable { view in
                try (1..<(view.length + 1)).map { i in
                    guard case .table(let p) = view.element(i) else { throw LuaScriptError("\(function): phases[\(i)] must be {pages=, length=}") }
                    return try p.withTable { phase in
                        WorkingSetPhase(pages: try phase.integer("pages") ?? 0, length: try phase.integer("length") ?? 0)
                    }
                }
            }
            pattern = .phases(phases)
        }
        do {
            return try GeneratedTrace(pattern, pages: pages, count: try t.integer("n") ?? pages,
                                      seed: UInt64(bitPattern: Int64(try t.integer("seed") ?? 0)),
                                      writeFraction: try t.number("writes") ?? 0,
                                      pageSize: UInt64(max(0, try t.integer("page_size") ?? 4096)),
                                      baseAddress: UInt64(bitPattern: Int64(try t.integer("base") ?? 0)),
                                      accessSize: UInt32(clamping: try t.integer("size") ?? 8))
        } catch let error as TraceError {
            throw LuaScriptError("\(function): \(error)")
        }
    }
}

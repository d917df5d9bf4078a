import Glibc
import Testing
@testable import VMLab

/// Fuzzing the trace readers (issue 10): valid traces mutated at random — bytes flipped,
/// inserted and deleted, lines cut, numbers made huge — must read to the end or stop with a
/// `TraceError`; never trap, never hang.
@Suite struct TraceFuzzTests {
    static let seeds: [String: String] = [
        "lackey": "==1== Lackey\nI  04001000,3\n L 1ffefffd48,8\n S 1ffefffd40,8\n M 0402a3c8,4\nI  04001003,5\n",
        "pages": "1\n2 W\nR 0x10\n# comment\n7 r\n",
        "csv": "address,op,size\n0x1000,R,8\n0x2000,W,4\n0x3000,M,8\n",
    ]

    /// One mutation of `bytes`, chosen by `rng`.
    static func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        let alphabet = Array("0123456789abcdefxXILSMRW, \n\r\t=#-+.".utf8) + [0, 0xff, 0x80]
        for _ in 0..<(1 + Int(rng.next(below: 4))) {
            let at = out.isEmpty ? 0 : Int(rng.next(below: UInt64(out.count)))
            switch rng.next(below: 5) {
            case 0 where !out.isEmpty: out[at] = alphabet[Int(rng.next(below: UInt64(alphabet.count)))]
            case 1: out.insert(alphabet[Int(rng.next(below: UInt64(alphabet.count)))], at: at)
            case 2 where !out.isEmpty: out.remove(at: at)
            case 3: out.insert(contentsOf: Array("ffffffffffffffffffff".utf8), at: at)
            default: out = Array(out.prefix(at))
            }
        }
        return out
    }

    /// Reads a whole trace, returning how many accesses it gave; a `TraceError` is a fine outcome.
    static func drain(_ open: () throws -> any Trace) -> Bool {
        do {
            let trace = try open()
            defer { trace.close() }
            var buffer = [Access](repeating: Access(), count: 64)
            var total = 0
            while true {
                let n = try buffer.withUnsafeMutableBufferPointer { try trace.next(into: $0) }
                if n == 0 { return true }
                total += n
                if total > 10_000_000 { Issue.record("a tiny file gave more than 10 M accesses"); return false }
            }
        } catch is TraceError {
            return true
        } catch {
            Issue.record("not a TraceError: \(error)")
            return false
        }
    }

    @Test func mutatedTextTracesReadOrFailCleanly() throws {
        var rng = SeededGenerator(seed: 2026)
        var cases = 0
        for (kind, text) in Self.seeds.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<400 {
                let path = TraceTestSupport.temporaryPath("." + kind)
                defer { unlink(path) }
                TraceTestSupport.writeBytes(Self.mutate(Array(text.utf8), &rng), to: path)
                switch kind {
                case "lackey": _ = Self.drain { try LackeyTrace(path: path) }
                case "pages": _ = Self.drain { try ListTrace(path: path) }
                default: _ = Self.drain { try CSVTrace(path: path) }
                }
                cases += 1
            }
        }
        print("trace fuzz: \(cases) mutated text traces read")
        #expect(cases == 1200)
    }

    @Test func mutatedBinaryTracesReadOrFailCleanly() throws {
        let source = TraceTestSupport.write("1\n2 W\n3\n4 W\n5\n", suffix: ".pages")
        let binary = TraceTestSupport.temporaryPath(".vmt")
        defer { unlink(source); unlink(binary) }
        _ = try BinaryTraceWriter.convert(input: source, output: binary)
        let good = TraceTestSupport.readBytes(binary)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next(below: 3))) where !bytes.isEmpty {
                let at = Int(rng.next(below: UInt64(bytes.count)))
                if rng.next(below: 4) == 0 { bytes = Array(bytes.prefix(at)) } else { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let path = TraceTestSupport.temporaryPath(".vmt")
            defer { unlink(path) }
            TraceTestSupport.writeBytes(bytes, to: path)
            _ = Self.drain { try BinaryTrace(path: path) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import VMLab

/// Prints translation throughput; never asserts on time (the real figure comes from
/// `vmlab bench` in a release build). Run `swift test -c release --filter HardwarePerformance`.
@Suite struct HardwarePerformanceTests {
    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    @Test func randomFourLevelTranslations() throws {
        #if DEBUG
        let mappedBytes: UInt64 = 64 << 20
        let count = 200_000
        #else
        let mappedBytes: UInt64 = 1 << 30
        let count = 20_000_000
        #endif
        let m = try Machine(memoryBytes: 2 << 30, mode: .x86_64)
        let space = try m.makePageTable()
        let base: UInt64 = 0x7f00_0000_0000
        try space.mapRange(base, to: 0, length: mappedBytes, pageBytes: 4096, flags: MapFlags(writable: true, user: true))
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        var checksum: UInt64 = 0
        let start = Self.seconds()
        for _ in 0..<count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17     // xorshift64
            let va = base + (state % mappedBytes)
            checksum &+= space.translate(va, access: .read, privilege: .user).physicalAddress
        }
        let elapsed = Self.seconds() - start
        #expect(m.counters.pageFaults == 0)
        #expect(m.counters.memoryReferences == 4 * count)
        #expect(checksum != 0)
        print("hardware bench: \(count) random 4-level translations over \(Units.size(mappedBytes)) in \(elapsed) s = \(Int(Double(count) / elapsed)) per second; table pages \(space.tablePages)")
    }

    /// Resident set size of this process in KiB, from /proc/self/statm (0 if unavailable).
    static func residentKiB() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        guard withUnsafeMutablePointer(to: &size, { s in
            withUnsafeMutablePointer(to: &resident) { r in
                withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
            }
        }) == 2 else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    @Test func untouched64GiBMachineStartsQuickly() throws {
        let before = Self.residentKiB()
        let start = Self.seconds()
        let m = try Machine(memoryBytes: 64 << 30, mode: .x86_64)
        let space = try m.makePageTable()
        let elapsed = Self.seconds() - start
        #expect(m.memory.allocatedBlocks == 0)     // an empty root is a zero frame: no storage yet
        #expect(space.tablePages == [1, 0, 0, 0])
        print("hardware bench: 64 GiB machine + empty address space created in \(elapsed * 1000) ms, RSS grew by \(Self.residentKiB() - before) KiB")
    }
}

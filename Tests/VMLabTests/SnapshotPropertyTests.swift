import Testing
@testable import VMLab

/// Random sequences of system calls (mmap, munmap, mprotect, fork, exec, exit), accesses and
/// policy switches, with snapshots taken, restored and forked into new machines at random
/// moments, on machines of several sizes and CPU counts under swap pressure, against a model of
/// what every page must hold and allow (DESIGN.md §9). `check()` finds nothing wrong after every step. On a failure
/// the test prints the seed and the sequence shrunk to the steps that still fail.
@Suite struct SnapshotPropertyTests {
    /// Per process (by pid): the value of each mapped page of the arena (0 until written) and
    /// whether it may be written.
    typealias Model = [Int: [UInt64: (value: UInt64, writable: Bool)]]

    /// One step. Processes, pages and snapshots are chosen modulo what exists when the step
    /// runs, so any subsequence of a sequence is a sequence too (the minimizer needs that).
    enum Step: CustomStringConvertible {
        case snapshot
        case restore(Int)
        case forkMachine(Int)
        case fork(Int)
        case exit(Int)
        case munmap(Int, UInt64)
        case mmap(Int, UInt64)
        case write(Int, UInt64, UInt64)
        case read(Int, UInt64)
        case mprotect(Int, UInt64, writable: Bool)
        case exec(Int)
        case setPolicy(Int)

        var description: String {
            switch self {
            case .snapshot: "snapshot"
            case .restore(let i): "restore(snapshot #\(i))"
            case .forkMachine(let i): "fork_machine(snapshot #\(i))"
            case .fork(let p): "fork(process #\(p))"
            case .exit(let p): "exit(process #\(p))"
            case .munmap(let p, let page): "munmap(process #\(p), page \(page))"
            case .mmap(let p, let page): "mmap fixed(process #\(p), page \(page))"
            case .write(let p, let page, let value): "write(process #\(p), page \(page), \(value))"
            case .read(let p, let page): "read(process #\(p), page \(page))"
            case .mprotect(let p, let page, let writable): "mprotect(process #\(p), page \(page), \(writable ? "rw" : "r"))"
            case .exec(let p): "exec(process #\(p))"
            case .setPolicy(let i): "set_policy(\(KernelSwapTests.policies[i % KernelSwapTests.policies.count]))"
            }
        }
    }

    static let page: UInt64 = 4096
    static let pages: UInt64 = 48

    /// Seeds run: a few by default, many more with VMLAB_LONG_TESTS=1 (`Scripts/test --long`).
    static let seeds: [UInt64] = Array(1...(TestScale.isLong ? 40 : 4))
    static var length: Int { TestScale.isLong ? 3_000 : 400 }

    /// The steps of `seed`.
    static func steps(seed: UInt64, count: Int) -> [Step] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let p = Int.random(in: 0..<64, using: &rng)
            let index = UInt64.random(in: 0..<pages, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<5: return .snapshot
            case 5..<9: return .restore(p)
            case 9..<11: return .forkMachine(p)
            case 11..<15: return .fork(p)
            case 15..<18: return .exit(p)
            case 18..<22: return .munmap(p, index)
            case 22..<26: return .mmap(p, index)
            case 26..<30: return .mprotect(p, index, writable: Bool.random(using: &rng))
            case 30..<31: return .exec(p)
            case 31..<32: return .setPolicy(p)
            case 32..<60: return .write(p, index, UInt64.random(in: 1...UInt64.max, using: &rng))
            default: return .read(p, index)
            }
        }
    }

    /// Runs `steps` on a fresh machine of `seed` (32, 40 or 64 frames, one or two CPUs, swap, a
    /// policy chosen by the seed) and returns the first disagreement with the model or with `check()`, or nil.
    static func run(_ steps: [Step], seed: UInt64) -> String? {
        do {
            var m = try Machine(memoryBytes: [40, 64, 48][Int(seed % 3)] * page, seed: seed)
            if seed % 2 == 0 { try m.configureProcessors(ProcessorConfiguration(cpus: 2)) }
            var k = try m.kernel
            try k.enableSwap(bytes: 512 * page)
            try k.setPolicy(KernelSwapTests.policies[Int(seed) % KernelSwapTests.policies.count])
            let first = try k.spawn("p0")
            first.catchSegv = true   // a refused write fails the access and the process goes on
            let arena = try k.mmap(first, MmapRequest(length: pages * page))
            var model: Model = [1: [:]]
            for i in 0..<pages { model[1]![i] = (0, true) }
            var saved: [(MachineSnapshot, Model)] = []
            var machines = [m]   // the machines forked along the way stay alive until the end
            for (n, step) in steps.enumerated() {
                let pids = model.keys.sorted()
                func process(_ i: Int) throws -> (Int, Process) {
                    let pid = pids[i % pids.count]
                    guard let p = k.process(pid) else { throw VMError.invalidConfiguration(what: "pid \(pid)", reason: "in the model, not in the kernel") }
                    return (pid, p)
                }
                switch step {
                case .snapshot:
                    saved.append((try m.snapshot(), model))
                case .restore(let i) where !saved.isEmpty:
                    let (snapshot, then) = saved[i % saved.count]
                    if snapshot.origin === m {
                        try m.restore(snapshot)
                        model = then
                    }
                case .forkMachine(let i) where !saved.isEmpty:
                    let (snapshot, then) = saved[i % saved.count]
                    m = try snapshot.forkMachine()
                    k = try m.kernel
                    machines.append(m)
                    model = then
                case .fork(let i) where model.count < 5:                    // ENOMEM allowed: page tables stay resident
                    let (pid, p) = try process(i)
                    do {
                        let child = try k.fork(p)
                        model[child.pid] = model[pid]
                    } catch {
                        if error.errnoValue != .ENOMEM { return "step \(n) \(step): \(error)" }
                    }
                case .exit(let i) where model.count > 1:
                    let (pid, p) = try process(i)
                    k.exit(p)
                    model[pid] = nil
                case .munmap(let i, let index):
                    let (pid, p) = try process(i)
                    try k.munmap(p, arena + index * page, page)
                    model[pid]![index] = nil
                case .mmap(let i, let index):
                    let (pid, p) = try process(i)
                    var r = MmapRequest(length: page)
                    r.fixed = true
                    r.address = arena + index * page
                    _ = try k.mmap(p, r)
                    model[pid]![index] = (0, true)
                case .write(let i, let index, let value):
                    let (pid, p) = try process(i)
                    if let page = model[pid]![index] {
                        do {
                            try k.write(p, arena + index * Self.page, value)
                            if !page.writable { return "step \(n) \(step): a write to a read-only page succeeded" }
                            model[pid]![index] = (value, true)
                        } catch {
                            if page.writable { return "step \(n) \(step): \(error)" }
                        }
                    }
                case .read(let i, let index):
                    let (pid, p) = try process(i)
                    if let expected = model[pid]![index]?.value {
                        let got = try k.read(p, arena + index * page)
                        if got != expected { return "step \(n) \(step): pid \(pid) read \(got), the model says \(expected)" }
                    }
                case .mprotect(let i, let index, let writable):
                    let (pid, p) = try process(i)
                    if let old = model[pid]![index] {
                        try k.mprotect(p, arena + index * page, page, writable ? .readWrite : Protection(read: true))
                        model[pid]![index] = (old.value, writable)
                    }
                case .exec(let i):
                    let (pid, p) = try process(i)
                    do {
                        try k.exec(p, name: "exec")
                        model[pid] = [:]   // a new, empty address space: the arena is gone
                    } catch {   // ENOMEM allowed (page tables stay resident): the process keeps its memory
                        if error.errnoValue != .ENOMEM { return "step \(n) \(step): \(error)" }
                    }
                case .setPolicy(let i):
                    try k.setPolicy(KernelSwapTests.policies[i % KernelSwapTests.policies.count])
                default:
                    break
                }
                let problems = k.check()
                if !problems.isEmpty { return "step \(n) \(step): check() found \(problems.prefix(3))" }
            }
            // Every page of every process reads back as the model says.
            for (pid, pages) in model {
                guard let p = k.process(pid) else { return "the end: pid \(pid) is gone" }
                for (index, value) in pages.mapValues(\.value) where try k.read(p, arena + index * page) != value {
                    return "the end: pid \(pid) page \(index) is not \(value)"
                }
            }
            _ = machines
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: seeds)
    func snapshotsAgreeWithTheModel(seed: UInt64) {
        let steps = Self.steps(seed: seed, count: Self.length)
        guard let failure = Self.run(steps, seed: seed) else { return }
        let small = Minimizer.minimize(steps) { Self.run($0, seed: seed) != nil }
        Issue.record("""
            seed \(seed): \(failure)
            shrunk from \(steps.count) to \(small.count) steps, which fail with: \(Self.run(small, seed: seed) ?? "?")
            \(small.enumerated().map { "  \($0.offset): \($0.element)" }.joined(separator: "\n"))
            """)
    }

    /// The minimizer keeps exactly what a failure needs: here a write of 7 followed, later, by a
    /// read of the same page, among 300 random steps.
    @Test func minimizerShrinksAFailureToWhatItNeeds() {
        var steps = Self.steps(seed: 99, count: 300).filter {
            if case .write(_, 5, _) = $0 { return false }
            if case .read(_, 5) = $0 { return false }
            return true
        }
        steps.insert(.write(0, 5, 7), at: 40)
        steps.insert(.read(0, 5), at: 250)
        func fails(_ s: [Step]) -> Bool {
            guard let w = s.firstIndex(where: { if case .write(_, 5, 7) = $0 { return true }; return false }) else { return false }
            return s[w...].contains { if case .read(_, 5) = $0 { return true }; return false }
        }
        #expect(fails(steps))
        let small = Minimizer.minimize(steps, fails: fails)
        #expect(small.map(\.description) == ["write(process #0, page 5, 7)", "read(process #0, page 5)"], "\(small)")
    }
}

import VMLab

/// A CPU as Lua holds it. The machine owns the processors that own the CPU,
/// so the handle keeps the machine alive for as long as a script holds the CPU.
final class CPUHandle {
    let machine: Machine
    let cpu: CPU

    init(_ cpu: CPU, of machine: Machine) {
        self.machine = machine
        self.cpu = cpu
    }
}

/// A fault raised by the walker: the faulting address (CR2 / stval), the access, the reason, and
/// the architecture's code.
public struct PageFault: Sendable, Equatable, CustomStringConvertible {
    /// x86 error-code bit: the entry was present (protection or reserved-bit fault).
    public static let presentBit: UInt32 = 1
    /// x86 error-code bit: the access was a write.
    public static let writeBit: UInt32 = 2
    /// x86 error-code bit: the access came from user mode.
    public static let userBit: UInt32 = 4
    /// x86 error-code bit: a reserved bit was set.
    public static let reservedBit: UInt32 = 8
    /// x86 error-code bit: the access was an instruction fetch.
    public static let instructionBit: UInt32 = 16
    /// x86 error-code bit: a protection-key violation (PKU).
    public static let protectionKeyBit: UInt32 = 32

    /// The faulting virtual address.
    public var va: UInt64
    /// What the access was doing.
    public var access: AccessKind
    /// Privilege of the access.
    public var privilege: Privilege
    /// Why it failed.
    public var reason: FaultReason
    /// Level (0 = root) of the entry that caused the fault.
    public var level: Int
    /// x86-style error code (P, W/R, U/S, RSVD, I/D bits), computed for every architecture.
    public var errorCode: UInt32
    /// The architecture family of the mode, deciding what `code` means.
    public var architecture: Architecture
    /// The protection key of the page, for a protection-key fault.
    public var protectionKey: Int?

    /// RISC-V exception cause: 12 instruction, 13 load, 15 store/AMO page fault.
    public var riscvCause: Int {
        switch access { case .execute: 12; case .read: 13; case .write: 15 }
    }

    /// The architecture's own code: the error code on x86 and textbook modes, scause on RISC-V.
    public var code: UInt64 { architecture == .riscv ? UInt64(riscvCause) : UInt64(errorCode) }

    /// Names of the error-code bits that are set, e.g. `"P W U"`.
    public var errorCodeText: String {
        let names: [(UInt32, String)] = [(Self.presentBit, "P"), (Self.writeBit, "W"), (Self.userBit, "U"),
                                         (Self.reservedBit, "RSVD"), (Self.instructionBit, "I"),
                                         (Self.protectionKeyBit, "PK")]
        let set = names.filter { errorCode & $0.0 != 0 }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: " ")
    }

    /// One line for printing.
    public var description: String {
        let codeText = architecture == .riscv
            ? "cause \(riscvCause)"
            : "error code \(Units.hex(UInt64(errorCode))): \(errorCodeText)"
        return "page fault at \(Units.hex(va)): \(reason.rawValue) (\(access), \(privilege.rawValue); \(codeText))"
    }
}

extension PagingMode {
    // The presets are built from constants that satisfy every check of `init`, so `try!` cannot trap.

    /// x86-64 4-level paging: 48-bit VA, PML4 → PDPT → PD → PT, 4 KiB / 2 MiB / 1 GiB pages,
    /// MAXPHYADDR 46 (a common server value), NX enabled.
    public static let x86_64 = try! PagingMode(
        name: "x86_64", architecture: .x86, pageBits: 12, levelBits: [9, 9, 9, 9],
        levelNames: ["PML4", "PDPT", "PD", "PT"], leafAllowed: [false, true, true, true],
        pteBytes: 8, canonical: .signExtended, physicalAddressBits: 46,
        layout: .x86(pteBytes: 8, physicalAddressBits: 46, noExecute: true, protectionKeys: true))

    /// x86-64 5-level paging (LA57): 57-bit VA, PML5 on top, MAXPHYADDR 52.
    public static let x86_64_la57 = try! PagingMode(
        name: "x86_64_la57", architecture: .x86, pageBits: 12, levelBits: [9, 9, 9, 9, 9],
        levelNames: ["PML5", "PML4", "PDPT", "PD", "PT"], leafAllowed: [false, false, true, true, true],
        pteBytes: 8, canonical: .signExtended, physicalAddressBits: 52,
        layout: .x86(pteBytes: 8, physicalAddressBits: 52, noExecute: true, protectionKeys: true))

    /// Classic 32-bit x86 paging with PSE: 2 levels of 1024 4-byte entries, 4 KiB / 4 MiB pages,
    /// 32-bit physical addresses, no NX.
    public static let x86_32 = try! PagingMode(
        name: "x86_32", architecture: .x86, pageBits: 12, levelBits: [10, 10],
        levelNames: ["PD", "PT"], leafAllowed: [true, true],
        pteBytes: 4, canonical: .zeroExtended, physicalAddressBits: 32,
        layout: .x86(pteBytes: 4, physicalAddressBits: 32, noExecute: false))

    /// x86 PAE: 32-bit VA, 3 levels (4-entry PDPT, PD, PT) of 8-byte entries, 4 KiB / 2 MiB pages,
    /// 36-bit physical addresses, NX enabled. Simplification: the PDPT is a full page and its
    /// entries use the ordinary layout (real PDPTEs have no R/W, U/S, A bits).
    public static let x86_pae = try! PagingMode(
        name: "x86_pae", architecture: .x86, pageBits: 12, levelBits: [2, 9, 9],
        levelNames: ["PDPT", "PD", "PT"], leafAllowed: [false, true, true],
        pteBytes: 8, canonical: .zeroExtended, physicalAddressBits: 36,
        layout: .x86(pteBytes: 8, physicalAddressBits: 36, noExecute: true))

    /// RISC-V Sv32: 2 levels of 1024 4-byte entries, 4 KiB pages and 4 MiB megapages, 34-bit PA.
    public static let sv32 = try! PagingMode(
        name: "sv32", architecture: .riscv, pageBits: 12, levelBits: [10, 10],
        levelNames: ["level 1", "level 0"], leafAllowed: [true, true],
        pteBytes: 4, canonical: .zeroExtended, physicalAddressBits: 34,
        layout: .riscv(ppnBits: 22))

    /// RISC-V Sv39: 3 levels, 39-bit VA, 4 KiB pages, 2 MiB megapages, 1 GiB gigapages, 56-bit PA.
    public static let sv39 = riscv(levels: 3)
    /// RISC-V Sv48: 4 levels, 48-bit VA, up to 512 GiB terapages.
    public static let sv48 = riscv(levels: 4)
    /// RISC-V Sv57: 5 levels, 57-bit VA, up to 256 TiB petapages.
    public static let sv57 = riscv(levels: 5)

    private static func riscv(levels: Int) -> PagingMode {
        try! PagingMode(
            name: "sv\(12 + 9 * levels)", architecture: .riscv, pageBits: 12,
            levelBits: Array(repeating: 9, count: levels),
            levelNames: (0..<levels).reversed().map { "level \($0)" },
            leafAllowed: Array(repeating: true, count: levels),
            pteBytes: 8, canonical: .signExtended, physicalAddressBits: 56,
            layout: .riscv(ppnBits: 44))
    }

    /// A textbook mode of any shape, e.g. `custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)`
    /// (OSTEP's multi-level homework: 32-byte pages, page directory + page table, 1-byte PTEs).
    /// Levels are named "PD" and "PT" for two levels, otherwise "level n-1" … "level 0".
    /// The PTE format is `PTELayout.textbook(pteBytes:)`; only the last level holds leaves.
    /// Throws `invalidMode` when `vaBits` differs from `pageBits + sum(levelBits)` or a table
    /// does not fit in one page.
    public static func custom(vaBits: Int, pageBits: Int, levelBits: [Int], pteBytes: Int) throws(VMError) -> PagingMode {
        guard !levelBits.isEmpty, levelBits.allSatisfy({ $0 >= 1 && $0 <= 20 }), pageBits >= 2, pageBits <= 30 else {
            throw .invalidMode(reason: "levels must be 1 to 20 bits each and page_bits 2 to 30")
        }
        let indexBits = levelBits.reduce(0, +)
        guard vaBits == pageBits + indexBits else {
            throw .invalidMode(reason: "va_bits \(vaBits) must equal page_bits \(pageBits) + the level bits \(indexBits)")
        }
        guard [1, 2, 4, 8].contains(pteBytes) else {
            throw .invalidMode(reason: "PTE size \(pteBytes) is not 1, 2, 4 or 8 bytes")
        }
        let layout = PTELayout.textbook(pteBytes: pteBytes)
        let levelNames = levelBits.count == 2 ? ["PD", "PT"] : (0..<levelBits.count).reversed().map { "level \($0)" }
        let leafAllowed = levelBits.indices.map { $0 == levelBits.count - 1 }
        let checkedVABits = try validate(pageBits: pageBits, levelBits: levelBits, levelNames: levelNames,
                                         leafAllowed: leafAllowed, pteBytes: pteBytes)
        return PagingMode(checkedName: "custom", architecture: .textbook, vaBits: checkedVABits, pageBits: pageBits,
                          levelBits: levelBits, levelNames: levelNames, leafAllowed: leafAllowed, pteBytes: pteBytes,
                          canonical: .zeroExtended, physicalAddressBits: min(64, layout.frameBits + pageBits), layout: layout)
    }

    /// Names accepted by `named(_:)`.
    public static let presetNames = ["x86_64", "x86_64_la57", "x86_32", "x86_pae", "sv32", "sv39", "sv48", "sv57"]

    /// The preset called `name` (case-insensitive; `la57` and `x86_64_5level` are aliases of
    /// `x86_64_la57`). Throws `unknownMode` with the closest name as a suggestion.
    public static func named(_ name: String) throws(VMError) -> PagingMode {
        switch name.lowercased() {
        case "x86_64", "x86-64", "amd64": return .x86_64
        case "x86_64_la57", "la57", "x86_64_5level": return .x86_64_la57
        case "x86_32", "x86", "i386": return .x86_32
        case "x86_pae", "pae": return .x86_pae
        case "sv32": return .sv32
        case "sv39": return .sv39
        case "sv48": return .sv48
        case "sv57": return .sv57
        default:
            throw .unknownMode(name: name, suggestion: Units.suggestion(for: name, among: presetNames + ["custom"]))
        }
    }
}

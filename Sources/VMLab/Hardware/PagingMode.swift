/// A paging mode: how a virtual address is split into table indices and an offset, how big the
/// entries are, which levels may hold huge-page leaves, and the PTE bit layout.
/// Levels are numbered from the root: index 0 is the root table (PML4 in x86_64), the last index
/// is the level whose entries map base pages (PT).
public struct PagingMode: Sendable, Equatable, CustomStringConvertible {
    /// Name used by `named(_:)` and in messages, e.g. `"x86_64"`.
    public let name: String
    /// The family: PTE layout, permission rules, fault codes.
    public let architecture: Architecture
    /// Width of a virtual address in bits (48 for x86_64).
    public let vaBits: Int
    /// log2 of the base page size (12 for 4 KiB).
    public let pageBits: Int
    /// Index bits per level, root first (x86_64: [9, 9, 9, 9]).
    public let levelBits: [Int]
    /// Name of each level's table, root first (x86_64: PML4, PDPT, PD, PT).
    public let levelNames: [String]
    /// Whether an entry at each level may be a leaf, root first (x86_64: [false, true, true, true]).
    public let leafAllowed: [Bool]
    /// Size of one page-table entry in bytes.
    public let pteBytes: Int
    /// Which virtual addresses are valid.
    public let canonical: CanonicalRule
    /// Physical address width (MAXPHYADDR) the PTE format can express.
    public let physicalAddressBits: Int
    /// Bit layout of an entry.
    public let layout: PTELayout

    /// Number of levels of tables.
    public var levels: Int { levelBits.count }
    /// Base page size in bytes.
    public var pageBytes: UInt64 { UInt64(1) << UInt64(pageBits) }

    /// Bit position where the index of `level` starts in a virtual address.
    public func indexShift(level: Int) -> Int {
        pageBits + levelBits[(level + 1)...].reduce(0, +)
    }

    /// Number of entries in a table of `level`.
    public func entries(level: Int) -> Int { 1 << levelBits[level] }

    /// Bytes mapped by one leaf entry at `level` (x86_64: PDPT → 1 GiB, PD → 2 MiB, PT → 4 KiB).
    public func pageBytes(level: Int) -> UInt64 { UInt64(1) << UInt64(indexShift(level: level)) }

    /// Page sizes a leaf may map, smallest first.
    public var supportedPageSizes: [UInt64] {
        (0..<levels).reversed().filter { leafAllowed[$0] }.map { pageBytes(level: $0) }
    }

    /// The level whose leaves map pages of `bytes`, or nil when no level can.
    public func leafLevel(pageBytes bytes: UInt64) -> Int? {
        (0..<levels).first { leafAllowed[$0] && pageBytes(level: $0) == bytes }
    }

    /// A short summary, e.g. `x86_64: 4 levels (PML4 9, PDPT 9, PD 9, PT 9), 48-bit VA, pages 4 KiB/2 MiB/1 GiB`.
    /// One line for printing.
    public var description: String {
        let parts = zip(levelNames, levelBits).map { "\($0) \($1)" }.joined(separator: ", ")
        let sizes = supportedPageSizes.map(Units.size).joined(separator: "/")
        return "\(name): \(levels) levels (\(parts)), \(vaBits)-bit VA, \(pteBytes)-byte PTEs, pages \(sizes)"
    }

    /// Checks that the parts of a mode fit together (each table fits in one page, VA bits =
    /// page bits + index bits ≤ 64, the last level allows leaves); returns the VA width.
    public static func validate(pageBits: Int, levelBits: [Int], levelNames: [String], leafAllowed: [Bool],
                                pteBytes: Int) throws(VMError) -> Int {
        guard !levelBits.isEmpty, levelBits.allSatisfy({ $0 >= 1 && $0 <= 20 }) else {
            throw .invalidMode(reason: "levels must be a non-empty list of index widths between 1 and 20 bits")
        }
        guard pageBits >= 2, pageBits <= 30 else {
            throw .invalidMode(reason: "page size of 2^\(pageBits) bytes is outside 4 B ... 1 GiB")
        }
        guard [1, 2, 4, 8].contains(pteBytes) else {
            throw .invalidMode(reason: "PTE size \(pteBytes) is not 1, 2, 4 or 8 bytes")
        }
        let vaBits = pageBits + levelBits.reduce(0, +)
        guard vaBits <= 64 else {
            throw .invalidMode(reason: "page bits + level bits = \(vaBits) exceeds 64")
        }
        for bits in levelBits where (1 << bits) * pteBytes > (1 << pageBits) {
            throw .invalidMode(reason: "a table of 2^\(bits) entries of \(pteBytes) bytes does not fit in a \(Units.size(1 << UInt64(pageBits))) page")
        }
        guard levelNames.count == levelBits.count, leafAllowed.count == levelBits.count, leafAllowed.last == true else {
            throw .invalidMode(reason: "level names and leaf rules must have one entry per level, and the last level must hold leaves")
        }
        return vaBits
    }

    /// Builds a mode after checking that its parts fit together (see `validate`).
    public init(
        name: String, architecture: Architecture, pageBits: Int, levelBits: [Int],
        levelNames: [String], leafAllowed: [Bool], pteBytes: Int, canonical: CanonicalRule,
        physicalAddressBits: Int, layout: PTELayout
    ) throws(VMError) {
        let vaBits = try Self.validate(pageBits: pageBits, levelBits: levelBits, levelNames: levelNames,
                                       leafAllowed: leafAllowed, pteBytes: pteBytes)
        self.init(checkedName: name, architecture: architecture, vaBits: vaBits, pageBits: pageBits, levelBits: levelBits,
                  levelNames: levelNames, leafAllowed: leafAllowed, pteBytes: pteBytes, canonical: canonical,
                  physicalAddressBits: physicalAddressBits, layout: layout)
    }

    /// Builds a mode whose parts `validate` accepted.
    init(checkedName name: String, architecture: Architecture, vaBits: Int, pageBits: Int, levelBits: [Int],
         levelNames: [String], leafAllowed: [Bool], pteBytes: Int, canonical: CanonicalRule,
         physicalAddressBits: Int, layout: PTELayout) {
        self.name = name
        self.architecture = architecture
        self.vaBits = vaBits
        self.pageBits = pageBits
        self.levelBits = levelBits
        self.levelNames = levelNames
        self.leafAllowed = leafAllowed
        self.pteBytes = pteBytes
        self.canonical = canonical
        self.physicalAddressBits = physicalAddressBits
        self.layout = layout
    }
}

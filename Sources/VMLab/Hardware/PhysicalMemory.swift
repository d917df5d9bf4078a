#if canImport(Glibc)
import Glibc
#endif

/// Simulated RAM of `bytes` bytes, stored sparsely: memory is cut into 4 KiB storage blocks
/// (independent of the mode's page size), grouped in chunks of 512 blocks (2 MiB). A directory
/// holds one pointer per chunk; a chunk's block table and each block are allocated on the
/// first write. Reading a block never written yields zeros and allocates nothing.
///
/// ```
///  physical address:  | chunk (pa >> 21) | block in chunk (9 bits) | byte in block (12 bits) |
/// ```
/// Per-frame metadata (`FrameInfo`) is stored the same way, 4096 frames per lazily allocated chunk.
/// All values are little-endian.
///
/// **Shared blocks.** A snapshot (`MemoryImage`) shares storage blocks with the memory it was
/// taken of instead of copying them: both hold the block, the memory marks it shared, and the
/// first write to a shared block copies it (copy-on-write, see PhysicalMemory+Sharing.swift).
public final class PhysicalMemory {
    /// Size of memory in bytes.
    public let bytes: UInt64
    /// Size of one frame (the paging mode's base page size).
    public let frameBytes: UInt64
    /// Number of frames (`bytes / frameBytes`).
    public let frameCount: UInt64

    static let blockShift: UInt64 = 12
    static let blockBytes: UInt64 = 1 << blockShift
    static let chunkShift: UInt64 = 21
    static let blocksPerChunk = 512
    static let infoChunkShift: UInt64 = 12
    static let infosPerChunk = 4096

    typealias Block = UnsafeMutableRawPointer
    typealias BlockTable = UnsafeMutablePointer<Block?>

    let directory: UnsafeMutablePointer<BlockTable?>
    let directoryCount: Int
    let infoDirectory: UnsafeMutablePointer<UnsafeMutablePointer<FrameInfo>?>
    let infoDirectoryCount: Int
    let frameShift: UInt64

    /// The allocation counters below, in raw memory: a stored `var` written on the walker's
    /// path (setting A/D bits may allocate a block) makes every walk pay a dynamic exclusivity
    /// check, about a quarter of a walk's instructions.
    let usage: UnsafeMutablePointer<(chunks: Int, blocks: Int, infoChunks: Int)>
    /// Per chunk: a bitmap of its blocks that are shared with a snapshot (nil: none is).
    let sharedDirectory: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>
    /// True while some block is shared: the write path looks at `sharedDirectory` only then.
    let anyShared: UnsafeMutablePointer<Bool>
    /// Moves whenever a page table's address may have changed (see `LeafTableMemo`): every
    /// public write below moves it, as do table-entry writes and freed table frames.
    let tableGeneration: UnsafeMutablePointer<UInt64>

    /// Number of 2 MiB chunks whose block table has been allocated.
    public var allocatedChunks: Int { usage.pointee.chunks }
    /// Number of 4 KiB storage blocks holding written data (host memory used ≈ this × 4 KiB).
    public var allocatedBlocks: Int { usage.pointee.blocks }
    /// Number of metadata chunks allocated.
    public var allocatedInfoChunks: Int { usage.pointee.infoChunks }

    /// Set for a guest's memory (Virtualization/GuestBacking.swift): its bytes then live in host
    /// frames, found through the EPT, and this memory stores none; every storage access below
    /// goes there. Set once, before any access.
    @exclusivity(unchecked) var guestBacking: GuestBacking?

    /// True for a guest's memory (`guestBacking` set). The reference's bits are tested: the
    /// MMU asks at every walk, and `guestBacking != nil` retained and released the backing.
    @inline(__always)
    var isGuestMemory: Bool { unsafeBitCast(guestBacking, to: UInt.self) != 0 }

    /// Largest supported memory size: 1 TiB.
    public static let maximumBytes: UInt64 = 1 << 40

    /// Memory of `bytes` bytes cut into frames of `frameBytes` (a power of two). Throws
    /// `invalidMemorySize` when `bytes` is zero, above 1 TiB or not a multiple of `frameBytes`.
    public init(bytes: UInt64, frameBytes: UInt64) throws(VMError) {
        guard frameBytes > 0, frameBytes & (frameBytes - 1) == 0 else {
            throw .invalidMemorySize(bytes: bytes, pageBytes: frameBytes)
        }
        guard bytes > 0, bytes % frameBytes == 0, bytes <= Self.maximumBytes else {
            throw .invalidMemorySize(bytes: bytes, pageBytes: frameBytes)
        }
        self.bytes = bytes
        self.frameBytes = frameBytes
        self.frameCount = bytes / frameBytes
        self.frameShift = UInt64(frameBytes.trailingZeroBitCount)
        directoryCount = Int((bytes + (1 << Self.chunkShift) - 1) >> Self.chunkShift)
        directory = .allocate(capacity: directoryCount)
        directory.initialize(repeating: nil, count: directoryCount)
        infoDirectoryCount = Int((frameCount + UInt64(Self.infosPerChunk) - 1) >> Self.infoChunkShift)
        infoDirectory = .allocate(capacity: infoDirectoryCount)
        infoDirectory.initialize(repeating: nil, count: infoDirectoryCount)
        usage = .allocate(capacity: 1)
        usage.initialize(to: (0, 0, 0))
        sharedDirectory = .allocate(capacity: directoryCount)
        sharedDirectory.initialize(repeating: nil, count: directoryCount)
        anyShared = .allocate(capacity: 1)
        anyShared.initialize(to: false)
        tableGeneration = .allocate(capacity: 1)
        tableGeneration.initialize(to: 0)
    }

    deinit {
        for c in 0..<directoryCount {
            guard let table = directory[c] else { continue }
            for b in 0..<Self.blocksPerChunk { dropBlock(chunk: c, slot: b) }
            table.deallocate()
            sharedDirectory[c]?.deallocate()
        }
        directory.deallocate()
        sharedDirectory.deallocate()
        anyShared.deallocate()
        tableGeneration.deallocate()
        for c in 0..<infoDirectoryCount { infoDirectory[c]?.deallocate() }
        infoDirectory.deallocate()
        usage.deallocate()
    }

    // MARK: storage blocks

    /// The block holding `pa`, or nil if never written. `pa` must be below `bytes`.
    @inline(__always)
    func existingBlock(_ pa: UInt64) -> Block? {
        if let guestBacking { return guestBacking.existingBlock(pa) }
        guard let table = directory[Int(pa >> Self.chunkShift)] else { return nil }
        return table[Int((pa >> Self.blockShift) & UInt64(Self.blocksPerChunk - 1))]
    }

    /// The block holding `pa`, allocated (zero-filled) if needed. `pa` must be below `bytes`.
    @inline(__always)
    func block(_ pa: UInt64) -> Block {
        if let guestBacking { return guestBacking.block(pa) }
        let chunk = Int(pa >> Self.chunkShift)
        let table = directory[chunk] ?? makeTable(chunk: chunk)
        let slot = Int((pa >> Self.blockShift) & UInt64(Self.blocksPerChunk - 1))
        if let existing = table[slot] {
            if anyShared.pointee && isShared(chunk: chunk, slot: slot) { return unshare(chunk: chunk, slot: slot) }
            return existing
        }
        let fresh = Self.allocateBlock()
        fresh.initializeMemory(as: UInt8.self, repeating: 0, count: Int(Self.blockBytes))
        table[slot] = fresh
        usage.pointee.blocks += 1
        return fresh
    }

    /// Allocates the (empty) block table of `chunk`.
    func makeTable(chunk: Int) -> BlockTable {
        let table = BlockTable.allocate(capacity: Self.blocksPerChunk)
        table.initialize(repeating: nil, count: Self.blocksPerChunk)
        directory[chunk] = table
        usage.pointee.chunks += 1
        return table
    }

    /// Unchecked read of the 8-byte-aligned 64-bit value at `pa` inside memory (walker hot path).
    @inline(__always)
    func load64(_ pa: UInt64) -> UInt64 {
        if let guestBacking {
            guard let b = guestBacking.existingBlock(pa) else { return 0 }
            return UInt64(littleEndian: (b + Int(pa & (Self.blockBytes - 1))).load(as: UInt64.self))
        }
        return ownLoad64(pa)
    }

    /// `load64` from memory that is not a guest's (`isGuestMemory` false): for a walk that
    /// asked once.
    @inline(__always)
    func ownLoad64(_ pa: UInt64) -> UInt64 {
        guard let table = directory[Int(pa >> Self.chunkShift)],
              let b = table[Int((pa >> Self.blockShift) & UInt64(Self.blocksPerChunk - 1))] else { return 0 }
        return UInt64(littleEndian: (b + Int(pa & (Self.blockBytes - 1))).load(as: UInt64.self))
    }

    /// Unchecked read of `width` (1, 2, 4, 8) bytes at a `width`-aligned `pa` inside memory.
    @inline(__always)
    func loadAligned(_ pa: UInt64, width: Int) -> UInt64 {
        guard let b = existingBlock(pa) else { return 0 }
        let p = b + Int(pa & (Self.blockBytes - 1))
        switch width {
        case 8: return UInt64(littleEndian: p.load(as: UInt64.self))
        case 4: return UInt64(UInt32(littleEndian: p.load(as: UInt32.self)))
        case 2: return UInt64(UInt16(littleEndian: p.load(as: UInt16.self)))
        default: return UInt64(p.load(as: UInt8.self))
        }
    }

    /// Unchecked write of `width` (1, 2, 4, 8) bytes at a `width`-aligned `pa` inside memory.
    @inline(__always)
    func storeAligned(_ pa: UInt64, _ value: UInt64, width: Int) {
        let p = block(pa) + Int(pa & (Self.blockBytes - 1))
        switch width {
        case 8: p.storeBytes(of: value.littleEndian, as: UInt64.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, as: UInt32.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
        default: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        }
    }

    /// Forgets every remembered leaf table (`LeafTableMemo`): the bytes written may be table entries.
    @inline(__always)
    func tablesMayHaveChanged() { tableGeneration.pointee &+= 1 }

    // MARK: checked access

    /// Throws unless `[pa, pa + width)` lies inside memory.
    public func checkRange(_ pa: UInt64, width: UInt64) throws(VMError) {
        guard pa < bytes, width <= bytes - pa else {
            throw .physicalAddressBeyondMemory(pa: pa, width: width, memoryBytes: bytes)
        }
    }

    /// `checkRange` before an access of `[pa, pa + width)`; in a guest's memory it also backs
    /// those pages with host frames (EPT violations) and reports an earlier unchecked failure.
    public func checkAccess(_ pa: UInt64, width: UInt64) throws(VMError) {
        try checkRange(pa, width: width)
        if let guestBacking { try guestBacking.prepare(pa, width: width) }
    }

    /// Reads a little-endian value of `width` bytes (1, 2, 4 or 8) at `pa`.
    public func read(_ pa: UInt64, width: Int = 8) throws(VMError) -> UInt64 {
        guard [1, 2, 4, 8].contains(width) else { throw .invalidWidth(width) }
        try checkAccess(pa, width: UInt64(width))
        if pa & UInt64(width - 1) == 0 { return loadAligned(pa, width: width) }
        var value: UInt64 = 0
        for i in 0..<width { value |= loadAligned(pa + UInt64(i), width: 1) << UInt64(8 * i) }
        return value
    }

    /// Writes the low `width` bytes (1, 2, 4 or 8) of `value` at `pa`, little-endian.
    public func write(_ pa: UInt64, _ value: UInt64, width: Int = 8) throws(VMError) {
        guard [1, 2, 4, 8].contains(width) else { throw .invalidWidth(width) }
        try checkAccess(pa, width: UInt64(width))
        tablesMayHaveChanged()
        if pa & UInt64(width - 1) == 0 { storeAligned(pa, value, width: width); return }
        for i in 0..<width { storeAligned(pa + UInt64(i), value >> UInt64(8 * i), width: 1) }
    }

    /// Reads `count` bytes starting at `pa`.
    public func readBytes(_ pa: UInt64, count: Int) throws(VMError) -> [UInt8] {
        guard count >= 0 else { throw .invalidLength(what: "read", bytes: 0, multipleOf: 1) }
        try checkAccess(pa, width: UInt64(count))
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let at = pa + UInt64(done)
            let inBlock = Int(Self.blockBytes - (at & (Self.blockBytes - 1)))
            let n = min(inBlock, count - done)
            if let b = existingBlock(at) {
                let source = b + Int(at & (Self.blockBytes - 1))
                result.withUnsafeMutableBytes { dest in
                    (dest.baseAddress! + done).copyMemory(from: source, byteCount: n)
                }
            }
            done += n
        }
        return result
    }

    /// Writes `data` starting at `pa`.
    public func writeBytes(_ pa: UInt64, _ data: [UInt8]) throws(VMError) {
        try checkAccess(pa, width: UInt64(data.count))
        tablesMayHaveChanged()
        var done = 0
        while done < data.count {
            let at = pa + UInt64(done)
            let inBlock = Int(Self.blockBytes - (at & (Self.blockBytes - 1)))
            let n = min(inBlock, data.count - done)
            let dest = block(at) + Int(at & (Self.blockBytes - 1))
            data.withUnsafeBytes { source in
                dest.copyMemory(from: source.baseAddress! + done, byteCount: n)
            }
            done += n
        }
    }

    /// Sets `[pa, pa + length)` to zero, releasing storage blocks that become wholly zero.
    public func zero(_ pa: UInt64, length: UInt64) throws(VMError) {
        tablesMayHaveChanged()
        try clear(pa, length: length)
    }

    /// `zero` for frames being freed (`Machine.freeFrames`), which moves `tableGeneration`
    /// itself when one of them was a page table.
    func clear(_ pa: UInt64, length: UInt64) throws(VMError) {
        try checkRange(pa, width: length)
        if let guestBacking { return try guestBacking.zero(pa, length: length) }
        var at = pa
        let end = pa + length
        while at < end {
            let offset = at & (Self.blockBytes - 1)
            let n = min(Self.blockBytes - offset, end - at)
            let chunk = Int(at >> Self.chunkShift)
            let slot = Int((at >> Self.blockShift) & UInt64(Self.blocksPerChunk - 1))
            if let table = directory[chunk], table[slot] != nil {
                if offset == 0 && n == Self.blockBytes {
                    dropBlock(chunk: chunk, slot: slot)
                } else {
                    (block(at) + Int(offset)).initializeMemory(as: UInt8.self, repeating: 0, count: Int(n))
                }
            }
            at += n
        }
    }

    /// Copies `length` bytes from `source` to `destination` (ranges may not overlap).
    public func copy(from source: UInt64, to destination: UInt64, length: UInt64) throws(VMError) {
        try checkRange(source, width: length)
        try checkRange(destination, width: length)
        let data = try readBytes(source, count: Int(length))
        try writeBytes(destination, data)
    }

    // MARK: frame metadata

    /// Metadata of frame `frame` (the default for frames never touched).
    public func info(frame: UInt64) throws(VMError) -> FrameInfo {
        guard frame < frameCount else { throw .frameBeyondMemory(frame: frame, frameCount: frameCount) }
        guard let chunk = infoDirectory[Int(frame >> Self.infoChunkShift)] else { return FrameInfo() }
        return chunk[Int(frame & UInt64(Self.infosPerChunk - 1))]
    }

    /// Changes the metadata of frame `frame` in place.
    public func updateInfo(frame: UInt64, _ change: (inout FrameInfo) -> Void) throws(VMError) {
        guard frame < frameCount else { throw .frameBeyondMemory(frame: frame, frameCount: frameCount) }
        let c = Int(frame >> Self.infoChunkShift)
        let chunk: UnsafeMutablePointer<FrameInfo>
        if let existing = infoDirectory[c] {
            chunk = existing
        } else {
            chunk = .allocate(capacity: Self.infosPerChunk)
            chunk.initialize(repeating: FrameInfo(), count: Self.infosPerChunk)
            infoDirectory[c] = chunk
            usage.pointee.infoChunks += 1
        }
        change(&chunk[Int(frame & UInt64(Self.infosPerChunk - 1))])
    }

    /// Physical address of the first byte of `frame`.
    @inline(__always)
    public func address(frame: UInt64) -> UInt64 { frame << frameShift }
}

/// Copy-on-write sharing of storage blocks with snapshots.
///
/// Every storage block carries, in a 64-byte header in front of its 4 KiB, the number of its
/// holders: the memory that maps it and the snapshots (`MemoryImage`) that keep it.
/// ```
///   capture:  every block gains a holder (the image) and is marked shared in this memory
///   write:    a block marked shared is copied first, unless the others have let go of it
///   restore:  this memory lets go of its blocks and holds the image's, marked shared
/// ```
/// The last holder to let go of a block frees it. Metadata (`FrameInfo`) chunks are copied:
/// they are small next to the data.
extension PhysicalMemory {
    /// Bytes in front of a block's data: the holder count, padded to keep the data 64-byte aligned.
    static let blockHeaderBytes = 64

    /// A new block (contents undefined) with one holder.
    static func allocateBlock() -> Block {
        let base = UnsafeMutableRawPointer.allocate(byteCount: blockHeaderBytes + Int(blockBytes), alignment: 64)
        base.storeBytes(of: 1, as: Int.self)
        return base + blockHeaderBytes
    }

    /// How many memories and images hold `block`.
    static func holders(_ block: Block) -> Int { (block - blockHeaderBytes).load(as: Int.self) }

    /// One more holder of `block`.
    static func retainBlock(_ block: Block) {
        (block - blockHeaderBytes).storeBytes(of: holders(block) + 1, as: Int.self)
    }

    /// One holder less of `block`: freed when that was the last.
    static func releaseBlock(_ block: Block) {
        let left = holders(block) - 1
        if left == 0 { (block - blockHeaderBytes).deallocate() } else { (block - blockHeaderBytes).storeBytes(of: left, as: Int.self) }
    }

    /// True when block `slot` of `chunk` is marked shared.
    @inline(__always)
    func isShared(chunk: Int, slot: Int) -> Bool {
        guard let bits = sharedDirectory[chunk] else { return false }
        return bits[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }

    /// Marks block `slot` of `chunk` shared (or not).
    func setShared(chunk: Int, slot: Int, _ shared: Bool) {
        let bits: UnsafeMutablePointer<UInt64>
        if let existing = sharedDirectory[chunk] {
            bits = existing
        } else {
            guard shared else { return }
            bits = .allocate(capacity: Self.blocksPerChunk / 64)
            bits.initialize(repeating: 0, count: Self.blocksPerChunk / 64)
            sharedDirectory[chunk] = bits
        }
        let mask: UInt64 = 1 << UInt64(slot & 63)
        if shared { bits[slot >> 6] |= mask } else { bits[slot >> 6] &= ~mask }
        if shared { anyShared.pointee = true }
    }

    /// Marks every block of `chunk` shared (a snapshot holds them all).
    func markShared(chunk: Int) {
        let bits = sharedDirectory[chunk] ?? .allocate(capacity: Self.blocksPerChunk / 64)
        sharedDirectory[chunk] = bits
        bits.update(repeating: ~0, count: Self.blocksPerChunk / 64)
        anyShared.pointee = true
    }

    /// Makes block `slot` of `chunk` (present, marked shared) this memory's own before a write:
    /// a copy when someone else still holds it. Returns the block to write.
    func unshare(chunk: Int, slot: Int) -> Block {
        let table = directory[chunk]!  // the caller found the block in this table
        let shared = table[slot]!
        setShared(chunk: chunk, slot: slot, false)
        guard Self.holders(shared) > 1 else { return shared }
        let own = Self.allocateBlock()
        own.copyMemory(from: shared, byteCount: Int(Self.blockBytes))
        Self.releaseBlock(shared)
        table[slot] = own
        return own
    }

    /// Lets go of block `slot` of `chunk` (freed unless a snapshot holds it too).
    func dropBlock(chunk: Int, slot: Int) {
        guard let table = directory[chunk], let b = table[slot] else { return }
        setShared(chunk: chunk, slot: slot, false)
        Self.releaseBlock(b)
        table[slot] = nil
        usage.pointee.blocks -= 1
    }

    /// Written 4 KiB blocks that something else (a snapshot) holds too.
    public var sharedBlocks: Int {
        var count = 0
        for c in 0..<directoryCount {
            guard let table = directory[c] else { continue }
            for slot in 0..<Self.blocksPerChunk { if let b = table[slot], Self.holders(b) > 1 { count += 1 } }
        }
        return count
    }

    /// An image of this memory's contents and metadata that shares the storage blocks.
    public func capture() -> MemoryImage {
        var chunks: [(index: Int, blocks: [Block?])] = []
        for c in 0..<directoryCount {
            guard let table = directory[c] else { continue }
            var blocks = [Block?](repeating: nil, count: Self.blocksPerChunk)
            var any = false
            for slot in 0..<Self.blocksPerChunk {
                guard let b = table[slot] else { continue }
                Self.retainBlock(b)
                blocks[slot] = b
                any = true
            }
            guard any else { continue }
            markShared(chunk: c)
            chunks.append((c, blocks))
        }
        var infos: [(index: Int, infos: [FrameInfo])] = []
        for c in 0..<infoDirectoryCount {
            guard let chunk = infoDirectory[c] else { continue }
            infos.append((c, Array(UnsafeBufferPointer(start: chunk, count: Self.infosPerChunk))))
        }
        return MemoryImage(bytes: bytes, frameBytes: frameBytes, chunks: chunks, infos: infos)
    }

    /// Makes this memory's contents and metadata those of `image` (taken of a memory of the
    /// same size and frame size).
    public func restore(_ image: MemoryImage) throws(VMError) {
        guard image.bytes == bytes, image.frameBytes == frameBytes else {
            throw .invalidConfiguration(what: "snapshot", reason:
                "it holds \(Units.size(image.bytes)) of memory in \(Units.size(image.frameBytes)) frames, this memory \(Units.size(bytes)) in \(Units.size(frameBytes)) frames")
        }
        tablesMayHaveChanged()
        for c in 0..<directoryCount where directory[c] != nil {
            for slot in 0..<Self.blocksPerChunk { dropBlock(chunk: c, slot: slot) }
        }
        for (c, blocks) in image.chunks {
            let table = directory[c] ?? makeTable(chunk: c)
            for slot in 0..<Self.blocksPerChunk {
                guard let b = blocks[slot] else { continue }
                table[slot] = b
                usage.pointee.blocks += 1
                Self.retainBlock(b)
            }
            markShared(chunk: c)
        }
        for c in 0..<infoDirectoryCount {
            infoDirectory[c]?.update(repeating: FrameInfo(), count: Self.infosPerChunk)
        }
        for (c, infos) in image.infos {
            try updateInfo(frame: UInt64(c) << Self.infoChunkShift) { _ in }  // allocates the chunk
            infoDirectory[c]!.update(from: infos, count: Self.infosPerChunk)
        }
    }
}

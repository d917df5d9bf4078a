/// The contents and frame metadata of a `PhysicalMemory` at one moment (`capture()`), sharing
/// its storage blocks copy-on-write: taking one costs a pointer per written 4 KiB block and a
/// copy of the metadata, whatever the data. Read-only; `PhysicalMemory.restore` puts it back.
public final class MemoryImage {
    /// Size of the memory it was taken of.
    public let bytes: UInt64
    /// Frame size of that memory.
    public let frameBytes: UInt64
    /// Per 2 MiB chunk that held data: its 512 block pointers (nil: never written).
    let chunks: [(index: Int, blocks: [UnsafeMutableRawPointer?])]
    /// Per metadata chunk that existed: its 4096 `FrameInfo`s.
    let infos: [(index: Int, infos: [FrameInfo])]

    init(bytes: UInt64, frameBytes: UInt64,
         chunks: [(index: Int, blocks: [UnsafeMutableRawPointer?])], infos: [(index: Int, infos: [FrameInfo])]) {
        self.bytes = bytes
        self.frameBytes = frameBytes
        self.chunks = chunks
        self.infos = infos
    }

    deinit {
        for (_, blocks) in chunks {
            for case let b? in blocks { PhysicalMemory.releaseBlock(b) }
        }
    }

    /// Storage blocks the image holds (4 KiB each, shared with the memories that hold them too).
    public var blockCount: Int { chunks.reduce(0) { $0 + $1.blocks.lazy.compactMap { $0 }.count } }
}

extension MemoryObject {
    /// A file's (or shared anonymous object's) state at one moment.
    struct Image {
        let size: UInt64
        let contents: [UInt8]
        let cache: [UInt64: UInt64]
        let writable: Bool
        let reads: Int
        let swapSlots: [UInt64: Int]
    }

    /// A copy of this object's state (the bytes are shared copy-on-write by the array).
    func capture() -> Image {
        Image(size: size, contents: contents, cache: cache, writable: writable, reads: reads, swapSlots: swapSlots)
    }

    /// Puts back `image`; the object belongs to `kernel`.
    func restore(_ image: Image, kernel: Kernel) {
        size = image.size
        contents = image.contents
        cache = image.cache
        writable = image.writable
        reads = image.reads
        swapSlots = image.swapSlots
        self.kernel = kernel
    }
}

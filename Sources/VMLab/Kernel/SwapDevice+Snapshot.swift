extension SwapDevice {
    /// A swap device's slots and data at one moment.
    struct Image {
        let slotCount: Int
        let readLatency: Int
        let writeLatency: Int
        let users: [Int32]
        let lastUse: [UInt64]
        let usedCount: Int
        let allocated: [Bool]
        let data: [[UInt8]?]
        let free: [Int]
    }

    /// A copy of the device (the pages' bytes are shared copy-on-write by the arrays).
    func capture() -> Image {
        Image(slotCount: slotCount, readLatency: readLatency, writeLatency: writeLatency, users: users,
              lastUse: lastUse, usedCount: usedCount, allocated: allocated, data: data, free: free)
    }

    /// A device holding what `image` held.
    convenience init(_ image: Image) {
        self.init(slots: image.slotCount, readLatency: image.readLatency, writeLatency: image.writeLatency)
        users = image.users
        lastUse = image.lastUse
        usedCount = image.usedCount
        allocated = image.allocated
        data = image.data
        free = image.free
    }
}

extension SwapDevice {
    /// A swap device's slots and data at one moment.
    struct Image {
        let slotCount: Int
        let pageBytes: Int
        let readLatency: Int
        let writeLatency: Int
        let users: [Int32]
        let lastUse: [UInt64]
        let usedCount: Int
        let allocated: [Bool]
        let data: [[UInt8]?]
        let free: [Int]
    }

    /// A copy of the device (the bytes of every slot that holds some).
    func capture() -> Image {
        Image(slotCount: slotCount, pageBytes: pageBytes, readLatency: readLatency, writeLatency: writeLatency,
              users: users, lastUse: lastUse, usedCount: usedCount, allocated: allocated,
              data: (0..<slotCount).map { load($0) }, free: free)
    }

    /// A device holding what `image` held.
    convenience init(_ image: Image) {
        self.init(slots: image.slotCount, pageBytes: image.pageBytes, readLatency: image.readLatency,
                  writeLatency: image.writeLatency)
        users = image.users
        lastUse = image.lastUse
        usedCount = image.usedCount
        allocated = image.allocated
        free = image.free
        for (slot, bytes) in image.data.enumerated() where bytes != nil { store(slot, bytes) }
    }
}

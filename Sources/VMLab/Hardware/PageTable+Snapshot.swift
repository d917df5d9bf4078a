extension PageTable {
    /// What an address space object knows beyond its tables in memory, at one moment.
    struct Image {
        let owner: Int32
        let root: UInt64
        let tablePages: [Int]
        let mappedBytes: UInt64
        let isLive: Bool
        let cpuMask: UInt64
        let asid: Int
        let asidGeneration: UInt64
        let userRoot: UInt64?
    }

    /// A copy of this object's state (its tables are in the memory image).
    func capture() -> Image {
        Image(owner: owner, root: root, tablePages: tablePages, mappedBytes: mappedBytes, isLive: isLive,
              cpuMask: cpuMask, asid: asid, asidGeneration: asidGeneration, userRoot: userRoot)
    }

    /// Puts back `image` (of this same space, or of the space this one copies).
    func restore(_ image: Image) {
        tablePages = image.tablePages
        mappedBytes = image.mappedBytes
        isLive = image.isLive
        cpuMask = image.cpuMask
        asid = image.asid
        asidGeneration = image.asidGeneration
        userRoot = image.userRoot
    }

    /// Ends a space that did not exist when the snapshot being restored was taken: its tables
    /// are gone with the memory they lived in, so every use is `released`.
    func retire() {
        isLive = false
        cpuMask = 0
        asidGeneration = 0
        userRoot = nil
        tablePages = Array(repeating: 0, count: tablePages.count)
        mappedBytes = 0
    }
}

import Testing
@testable import VMLab

/// Random map/unmap/protect sequences checked against a dictionary of 4 KiB pages.
@Suite struct HardwarePropertyTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % bound
        }
    }

    @Test(arguments: [PagingMode.x86_64, .sv39, .x86_32])
    func randomMapsAgreeWithAModel(mode: PagingMode) throws {
        let m = try Machine(memoryBytes: 64 << 20, mode: mode)
        let space = try m.makePageTable()
        let freeAtStart = m.frames.freeFrames
        var model: [UInt64: (pa: UInt64, writable: Bool)] = [:]   // 4 KiB page VA → PA
        var random = Generator(state: 42)
        let huge: UInt64 = mode.supportedPageSizes[1]
        let region: UInt64 = 8 * huge                              // 8 huge-page slots
        for _ in 0..<600 {
            let slot = random.next(8) * huge
            let choice = random.next(10)
            if choice < 5 {                                         // map a small page
                let va = slot + random.next(huge / 4096) * 4096
                let pa = random.next(1024) * 4096
                let writable = random.next(2) == 1
                do {
                    try space.map(va, to: pa, pageBytes: 4096, flags: MapFlags(writable: writable, user: true))
                    #expect(model[va] == nil)
                    model[va] = (pa, writable)
                } catch {
                    #expect(model[va] != nil || (0..<huge / 4096).contains { model[slot + $0 * 4096] != nil })
                }
            } else if choice < 6 {                                  // map a huge page
                let pa = random.next(8) * huge
                do {
                    try space.map(slot, to: pa, pageBytes: huge, flags: MapFlags(writable: true, user: true))
                    for i in 0..<huge / 4096 {
                        #expect(model[slot + i * 4096] == nil)
                        model[slot + i * 4096] = (pa + i * 4096, true)
                    }
                } catch {
                    #expect((0..<huge / 4096).contains { model[slot + $0 * 4096] != nil })
                }
            } else if choice < 9 {                                  // unmap a whole slot
                try space.unmap(slot, length: huge)
                for i in 0..<huge / 4096 { model[slot + i * 4096] = nil }
            } else {                                                // make a slot read-only
                try space.protect(slot, length: huge, flags: MapFlags(user: true))
                for i in 0..<huge / 4096 where model[slot + i * 4096] != nil { model[slot + i * 4096]!.writable = false }
            }
            // Spot-check a few addresses against the model, through lookup and the walker.
            for _ in 0..<4 {
                let va = random.next(region / 4096) * 4096 + random.next(4096)
                let expected = model[va & ~4095]
                let found = try space.lookup(va)
                #expect(found?.physicalAddress == expected.map { $0.pa + (va & 4095) })
                let write = space.translate(va, access: .write, privilege: .user)
                if let expected {
                    #expect(write.isFault == !expected.writable)
                    if expected.writable { #expect(write.physicalAddress == expected.pa + (va & 4095)) }
                } else {
                    #expect(write.fault?.reason == .notPresent)
                }
            }
            #expect(space.mappedBytes == UInt64(model.count) * 4096)
        }
        try space.unmap(0, length: region)
        #expect(space.tablePages == [1] + Array(repeating: 0, count: mode.levels - 1))
        #expect(m.frames.freeFrames == freeAtStart)      // measured after the root was allocated
    }
}

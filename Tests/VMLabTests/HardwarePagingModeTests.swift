import Testing
@testable import VMLab

@Suite struct HardwarePagingModeTests {
    // The issue quotes PDPT 0x1FE, but bits 38..30 of 0x7ffd12345678 are 1_1111_0100 = 0x1F4
    // (0x7ffd12345678 >> 30 = 0x1fff4); the other indices match the issue.
    @Test func splitsTheKnownX86Address() throws {
        let (indices, offset) = try PagingMode.x86_64.split(0x0000_7ffd_1234_5678)
        #expect(indices == [0x0FF, 0x1F4, 0x091, 0x145])
        #expect(offset == 0x678)
    }

    @Test func levelNamesAndPageSizes() throws {
        #expect(PagingMode.x86_64.levelNames == ["PML4", "PDPT", "PD", "PT"])
        #expect(PagingMode.x86_64.supportedPageSizes == [4096, 2 << 20, 1 << 30])
        #expect(PagingMode.x86_64_la57.levelNames.first == "PML5")
        #expect(PagingMode.x86_64_la57.vaBits == 57)
        #expect(PagingMode.x86_32.supportedPageSizes == [4096, 4 << 20])
        #expect(PagingMode.x86_32.pteBytes == 4)
        #expect(PagingMode.x86_pae.levels == 3)
        #expect(PagingMode.x86_pae.vaBits == 32)
        #expect(PagingMode.sv32.supportedPageSizes == [4096, 4 << 20])
        #expect(PagingMode.sv39.levels == 3)
        #expect(PagingMode.sv39.levelNames == ["level 2", "level 1", "level 0"])
        #expect(PagingMode.sv39.supportedPageSizes == [4096, 2 << 20, 1 << 30])
        #expect(PagingMode.sv48.vaBits == 48)
        #expect(PagingMode.sv57.vaBits == 57)
    }

    @Test func canonicalRules() {
        let m = PagingMode.x86_64
        #expect(m.isCanonical(0x0000_7fff_ffff_ffff))
        #expect(m.isCanonical(0xffff_8000_0000_0000))
        #expect(!m.isCanonical(0x0000_8000_0000_0000))
        #expect(!m.isCanonical(0xfff7_8000_0000_0000))
        #expect(PagingMode.sv39.isCanonical(0xffff_ffc0_0000_0000))
        #expect(!PagingMode.sv39.isCanonical(0x0000_0040_0000_0000))
        #expect(PagingMode.x86_32.isCanonical(0xffff_ffff))
        #expect(!PagingMode.x86_32.isCanonical(0x1_0000_0000))
    }

    @Test func nonCanonicalMessage() {
        #expect(throws: VMError.self) { try PagingMode.x86_64.split(0x8_0000_0000_0000) }
        do {
            _ = try PagingMode.x86_64.split(0x8_0000_0000_0000)
        } catch {
            #expect(error.description == "address 0x8000000000000 is not canonical for x86_64 (bits 63..47 must all equal bit 47)")
        }
    }

    @Test func lookupByName() throws {
        #expect(try PagingMode.named("sv39") == .sv39)
        #expect(try PagingMode.named("X86_64") == .x86_64)
        do {
            _ = try PagingMode.named("sv39x")
            Issue.record("sv39x should not exist")
        } catch {
            #expect(error == .unknownMode(name: "sv39x", suggestion: "sv39"))
            #expect(error.description == "unknown paging mode 'sv39x' (did you mean 'sv39'?)")
        }
        #expect(throws: VMError.unknownMode(name: "x86_64_la75", suggestion: "x86_64_la57")) {
            try PagingMode.named("x86_64_la75")
        }
        do {
            _ = try PagingMode.named("banana")
        } catch {
            #expect(error.description.hasPrefix("unknown paging mode 'banana' (known modes: x86_64, "))
        }
    }

    @Test func customModeValidation() throws {
        let m = try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 1)
        #expect(m.levelNames == ["PD", "PT"])
        #expect(m.pageBytes == 32)
        #expect(throws: VMError.self) { try PagingMode.custom(vaBits: 16, pageBits: 5, levelBits: [5, 5], pteBytes: 1) }
        // 64 entries of 1 byte do not fit in a 32-byte page.
        #expect(throws: VMError.self) { try PagingMode.custom(vaBits: 16, pageBits: 5, levelBits: [6, 5], pteBytes: 1) }
        #expect(throws: VMError.self) { try PagingMode.custom(vaBits: 15, pageBits: 5, levelBits: [5, 5], pteBytes: 3) }
    }

    @Test func x86EncodeDecodeRoundTrip() throws {
        let m = PagingMode.x86_64
        let entry = PTE(present: true, writable: true, user: true, accessed: true, global: true,
                        noExecute: true, frame: 0x12345)
        let raw = try m.encode(entry)
        #expect(raw == (UInt64(1) << 63) | 0x1234_5000 | 0x1 | 0x2 | 0x4 | 0x20 | 0x100)
        let back = m.decode(raw)
        #expect(back.present && back.writable && back.user && back.accessed && back.global && back.noExecute)
        #expect(!back.dirty && !back.huge && !back.executable)
        #expect(back.frame == 0x12345)
        // A frame number wider than MAXPHYADDR (46) cannot be encoded.
        #expect(throws: VMError.self) { try m.encode(PTE(present: true, frame: 1 << 40)) }
    }

    @Test func riscvEncodeDecode() throws {
        let m = PagingMode.sv39
        let raw = try m.encode(PTE(present: true, readable: true, writable: true, user: true, frame: 0x80000))
        #expect(raw == (0x80000 << 10) | 0b1_0111)
        let d = m.decode(0x2000_0000 | 0xcf)   // V R W X A D, PPN 0x80000
        #expect(d.present && d.readable && d.writable && d.executable && d.accessed && d.dirty && !d.user)
        #expect(d.frame == 0x80000)
    }

    @Test func reservedBits() {
        let m = PagingMode.x86_64
        // Bit 50 is above MAXPHYADDR 46: reserved.
        #expect(m.reservedBits(0x0004_0000_0000_1003, level: 3) == 1 << 50)
        #expect(m.reservedBits(0x1003, level: 3) == 0)
        // PS in a PML4 entry is reserved; in a PD entry it is a 2 MiB page.
        #expect(m.reservedBits(0x1083, level: 0) == 0x80)
        #expect(m.reservedBits(0x20_0083, level: 2) == 0)
        // A 2 MiB leaf with frame bits 13..20 set.
        #expect(m.reservedBits(0x20_2083, level: 2) == 0x2000)
        // RISC-V: W without R.
        #expect(PagingMode.sv39.reservedBits(0b101, level: 2) != 0)
        #expect(PagingMode.sv39.reservedBits(0xff << 54 | 1, level: 2) == 0xff << 54)
    }
}

/// The vmlab binary trace format, version 1: parse a big text trace once
/// (`BinaryTraceWriter.convert`), then replay it at memory speed (`BinaryTrace`).
///
/// All integers are little-endian. A file is a 32-byte header followed by fixed 16-byte records.
///
/// Header:
///
/// | offset | size | field        | value                                                        |
/// |-------:|-----:|--------------|--------------------------------------------------------------|
/// |      0 |    8 | magic        | the bytes `V M T R A C E \0` (0x56 0x4D 0x54 0x52 0x41 0x43 0x45 0x00) |
/// |      8 |    2 | version      | 1                                                            |
/// |     10 |    2 | headerSize   | 32 (readers skip any bytes beyond the fields they know)      |
/// |     12 |    2 | recordSize   | 16                                                           |
/// |     14 |    2 | flags        | bit 0: `recordCount` is valid; other bits 0                  |
/// |     16 |    8 | recordCount  | number of records (when flag bit 0 is set; else 0)           |
/// |     24 |    4 | pageSize     | page size the trace was split for, in bytes; 0 = not split   |
/// |     28 |    4 | reserved     | 0                                                            |
///
/// Record (one access), at offset `headerSize + i × recordSize`:
///
/// | offset | size | field    | value                                           |
/// |-------:|-----:|----------|-------------------------------------------------|
/// |      0 |    8 | address  | virtual address of the first byte               |
/// |      8 |    4 | size     | bytes accessed (0 = unknown)                    |
/// |     12 |    1 | kind     | 0 read, 1 write, 2 fetch (`AccessKind` raw value) |
/// |     13 |    3 | reserved | 0                                               |
///
/// A reader rejects: a file shorter than the header or not starting with the magic
/// (`TraceError.wrongMagic`), another version (`.unsupportedVersion`), a size that is not a whole
/// number of records or fewer records than `recordCount` (`.truncated`), a kind above 2
/// (`.malformed`, with the record number as "line"). The writer fills in `recordCount` when it
/// finishes if its output can seek (a regular file); written to a pipe, flag bit 0 stays clear.
/// Files may be compressed (`.zst`, `.gz`, `.xz`) like any trace.
public enum BinaryTraceFormat {
    /// `VMTRACE\0`.
    public static let magic: [UInt8] = Array("VMTRACE".utf8) + [0]
    /// The format version this program writes and reads.
    public static let version: UInt16 = 1
    /// Bytes in the version-1 header.
    public static let headerSize = 32
    /// Bytes per record.
    public static let recordSize = 16
    /// Flag bit: `recordCount` is valid.
    public static let recordCountKnown: UInt16 = 1
    /// The usual file name extension.
    public static let fileExtension = ".vmtrace"
}

/// The compressed formats a trace file may come in, each read through the system's
/// decompressor program.
///
/// Why a process and not a library: linking zlib, libzstd and liblzma would add three link
/// dependencies (and their `-dev` packages) to every build of vmlab for a feature most runs never
/// use. Running `gzip -dc` / `zstd -dc` / `xz -dc` through `posix_spawn` with a pipe costs one
/// process per trace, decompresses on the second core while vmlab parses, and needs nothing at
/// build time. A missing program is reported with the Debian package that provides it.
///
/// A format is recognised by the file's first bytes (magic number) and, failing that, by its
/// extension (`.gz`, `.zst`, `.xz`).
public enum Decompressor: String, Sendable, CaseIterable {
    /// gzip (`.gz`): program `gzip`, Debian package `gzip`.
    case gzip
    /// Zstandard (`.zst`): program `zstd`, Debian package `zstd`.
    case zstd
    /// XZ / LZMA2 (`.xz`): program `xz`, Debian package `xz-utils`.
    case xz

    /// The program run, found through `PATH`.
    public var program: String { rawValue }

    /// The command line: decompress to standard output, input on standard input.
    public var arguments: [String] { [program, "-dc"] }

    /// The Debian/Ubuntu package that installs `program`.
    public var debianPackage: String {
        switch self {
        case .gzip: "gzip"
        case .zstd: "zstd"
        case .xz: "xz-utils"
        }
    }

    /// The usual file name extension, with its dot.
    public var fileExtension: String {
        switch self {
        case .gzip: ".gz"
        case .zstd: ".zst"
        case .xz: ".xz"
        }
    }

    /// The first bytes of every file of this format.
    public var magic: [UInt8] {
        switch self {
        case .gzip: [0x1F, 0x8B]
        case .zstd: [0x28, 0xB5, 0x2F, 0xFD]
        case .xz: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
        }
    }

    /// The format whose magic starts `bytes`, or nil.
    public static func detect(magicBytes bytes: [UInt8]) -> Decompressor? {
        allCases.first { bytes.starts(with: $0.magic) }
    }

    /// The format named by the extension of `path`, or nil.
    public static func detect(path: String) -> Decompressor? {
        allCases.first { path.hasSuffix($0.fileExtension) }
    }
}

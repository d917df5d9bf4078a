/// Everything that can go wrong while reading, writing or generating a trace.
///
/// Each case prints as one line a user can act on, in the `file:line: what was expected` style
/// of compilers:
///
/// ```text
/// ls.trace:12: expected a hexadecimal address after 'L', found 'zz12'
/// cannot open 'missing.trace': No such file or directory
/// cannot read 'ls.trace.zst': the 'zstd' program was not found (install the Debian package 'zstd')
/// ```
public enum TraceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist, cannot be read, or is a directory.
    case cannotOpen(path: String, reason: String)
    /// Reading the file failed after it was opened (an I/O error).
    case cannotRead(path: String, reason: String)
    /// A text record is malformed; `line` counts from 1.
    case malformed(path: String, line: Int, expected: String)
    /// A binary trace ends in the middle of its header or of a record, or holds fewer records
    /// than its header says.
    case truncated(path: String, detail: String)
    /// The file does not start with the binary trace magic `VMTRACE\0`.
    case wrongMagic(path: String)
    /// The binary trace has a format version this program does not read.
    case unsupportedVersion(path: String, version: Int)
    /// A decompressor program is not installed.
    case missingDecompressor(path: String, program: String, debianPackage: String)
    /// A decompressor ran but failed (corrupt or truncated compressed data).
    case decompressorFailed(path: String, program: String, message: String)
    /// Writing the output file failed.
    case cannotWrite(path: String, reason: String)
    /// An option of a reader or generator has a value out of range or unknown.
    case invalidOption(name: String, message: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "cannot open '\(path)': \(reason)"
        case let .cannotRead(path, reason):
            "cannot read '\(path)': \(reason)"
        case let .malformed(path, line, expected):
            "\(path):\(line): \(expected)"
        case let .truncated(path, detail):
            "'\(path)' is truncated: \(detail)"
        case let .wrongMagic(path):
            "'\(path)' is not a vmlab binary trace (it does not start with the magic VMTRACE\\0)"
        case let .unsupportedVersion(path, version):
            "'\(path)' is a binary trace of format version \(version); this vmlab reads version \(BinaryTraceFormat.version)"
        case let .missingDecompressor(path, program, package):
            "cannot read '\(path)': the '\(program)' program was not found (install the Debian package '\(package)')"
        case let .decompressorFailed(path, program, message):
            "cannot read '\(path)': '\(program)' failed: \(message)"
        case let .cannotWrite(path, reason):
            "cannot write '\(path)': \(reason)"
        case let .invalidOption(name, message):
            "bad option '\(name)': \(message)"
        }
    }
}

/// The Linux error numbers the kernel's system calls report (a subset, with their usual meaning).
public enum Errno: String, Sendable, Equatable {
    /// Out of memory (no frame for a page or a page table, or no room in the address space).
    case ENOMEM
    /// Invalid argument (unaligned address, zero length, unknown flag…).
    case EINVAL
    /// Permission denied (e.g. a writable shared mapping of a read-only file).
    case EACCES
    /// Operation not permitted.
    case EPERM
    /// No such process (the process has exited).
    case ESRCH
    /// No such file in the file store.
    case ENOENT
    /// Resource temporarily unavailable (e.g. mlock of more than memory can pin).
    case EAGAIN
    /// Bad address (a user pointer the kernel cannot use).
    case EFAULT
}

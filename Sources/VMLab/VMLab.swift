/// VMLab: the memory-system model (hardware, kernel, policies, virtualization, workloads).
/// It knows nothing of Lua; `VMLabLua` binds it. See shared/DESIGN.md §4.
public enum VMLab {
    /// The model's version, shown by `vmlab -v`.
    public static let version = "0.1.0"
}

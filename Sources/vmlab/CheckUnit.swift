/// One lab to check for one student: the checker, the file it grades, and
/// the folders the sandbox allows.
struct CheckUnit: Sendable {
    /// The name in tables and reports.
    var name: String
    /// The lab's folder (holds check.lua, lab.lua, solution.lua).
    var folder: String
    /// The checker script.
    var checker: String
    /// The file graded (lab.lua, solution.lua or the student's lab.lua); nil if it does not exist.
    var graded: String?
    /// The graded file's name as messages show it (`lab.lua`).
    var gradedName: String
    /// Why there is no graded file, when `graded` is nil.
    var missingReason: String?
    /// Folders the sandbox lets the scripts open files in.
    var allowedFolders: [String]
}

import Foundation

/// What `vmlab check` will run: the labs found under the paths given, one
/// unit per lab and student, in a deterministic order that sharding splits.
struct CheckPlan {
    struct Lab: Sendable {
        var name: String
        var folder: String
        var checker: String
    }

    struct PlanError: Error, CustomStringConvertible {
        var description: String
    }

    /// Labs under `paths`: a lab folder (it holds check.lua), a folder of lab
    /// folders, or a checker file. Sorted by name; duplicates dropped.
    static func labs(in paths: [String]) throws -> [Lab] {
        let fm = FileManager.default
        var found: [Lab] = []
        for path in paths {
            let absolute = Self.absolute(path)
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isFolder) else {
                throw PlanError(description: "\(path): no such file or folder")
            }
            if !isFolder.boolValue {
                let folder = (absolute as NSString).deletingLastPathComponent
                let file = (absolute as NSString).lastPathComponent
                let name = file == "check.lua" ? (folder as NSString).lastPathComponent : (file as NSString).deletingPathExtension
                found.append(Lab(name: name, folder: folder, checker: absolute))
            } else if fm.fileExists(atPath: absolute + "/check.lua") {
                found.append(Lab(name: (absolute as NSString).lastPathComponent, folder: absolute, checker: absolute + "/check.lua"))
            } else {
                let children = (try? fm.contentsOfDirectory(atPath: absolute)) ?? []
                let labs = children.sorted().filter { fm.fileExists(atPath: absolute + "/" + $0 + "/check.lua") }
                guard !labs.isEmpty else {
                    throw PlanError(description: "\(path): no check.lua in it or in its subfolders")
                }
                for child in labs {
                    found.append(Lab(name: child, folder: absolute + "/" + child, checker: absolute + "/" + child + "/check.lua"))
                }
            }
        }
        var seen = Set<String>()
        found = found.filter { seen.insert($0.checker).inserted }
        // Two labs with one name (from different parents) keep their paths apart.
        let names = Dictionary(grouping: found, by: \.name)
        for i in found.indices where names[found[i].name]!.count > 1 {
            found[i].name = found[i].folder
        }
        return found.sorted { $0.name < $1.name }
    }

    /// One unit per lab (and per student folder, when there are some).
    /// `file` is "lab.lua" or "solution.lua".
    static func units(labs: [Lab], students: [String], file: String) -> [CheckUnit] {
        let fm = FileManager.default
        if students.isEmpty {
            return labs.map { lab in
                let path = lab.folder + "/" + file
                let exists = fm.fileExists(atPath: path)
                return CheckUnit(name: lab.name, folder: lab.folder, checker: lab.checker,
                                 graded: exists ? path : nil, gradedName: file,
                                 missingReason: exists ? nil : "there is no \(file) in \(lab.folder)",
                                 allowedFolders: [lab.folder])
            }
        }
        let prefixNames = students.count > 1
        var units: [CheckUnit] = []
        for student in students {
            let folder = absolute(student)
            let who = (folder as NSString).lastPathComponent
            for lab in labs {
                // The student's file: STUDENT/<lab>/lab.lua, else STUDENT/lab.lua.
                let candidates = [folder + "/" + lab.name + "/lab.lua", folder + "/lab.lua"]
                let graded = candidates.first { fm.fileExists(atPath: $0) }
                units.append(CheckUnit(
                    name: prefixNames ? who + "/" + lab.name : lab.name,
                    folder: lab.folder, checker: lab.checker,
                    graded: graded, gradedName: "lab.lua",
                    missingReason: graded == nil ? "there is no lab.lua in \(student) (nor in \(student)/\(lab.name))" : nil,
                    allowedFolders: [lab.folder, folder]))
            }
        }
        return units.sorted { $0.name < $1.name }
    }

    /// The K-th (1-based) of N deterministic parts: every N-th unit from K.
    static func shard<T>(_ units: [T], part: Int, of count: Int) -> [T] {
        units.enumerated().filter { $0.offset % count == part - 1 }.map(\.element)
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var result = (full as NSString).standardizingPath
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }
}

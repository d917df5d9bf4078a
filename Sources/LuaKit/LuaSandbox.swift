import CLuaShim
#if canImport(Glibc)
import Glibc
#endif

/// The sandbox for graded or untrusted code (DESIGN.md §3).
///
/// Removes `os.execute`, `io.popen`, `os.exit`, `os.remove`, `os.rename`,
/// `os.tmpname`, `package.loadlib` and the C module searchers, keeps only
/// `debug.traceback`, allows text chunks only, and confines every file the
/// script names — `io.open`, `io.lines`, `io.input`, `io.output`, `dofile`,
/// `loadfile`, `require` — to the allowed folders (symbolic links resolved).
/// A refused `io.open` returns `nil, message` like any failed open; the others raise.
public struct LuaSandbox: Sendable {
    /// Folders (absolute, resolved) under which files may be opened.
    public let allowedFolders: [String]

    public init(allowedFolders: [String]) {
        self.allowedFolders = allowedFolders.map { LuaSandbox.resolve($0) ?? $0 }
    }

    /// The absolute path with symbolic links resolved; for a file that does not
    /// exist yet, its folder resolved plus its name.
    static func resolve(_ path: String) -> String? {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != "..", let real = realpath(folder.isEmpty ? "/" : folder, nil) else { return nil }
        defer { free(real) }
        return String(cString: real) + "/" + name
    }

    /// Whether the script may open `path`; if not, why.
    public func check(_ path: String) -> String? {
        guard let resolved = LuaSandbox.resolve(path) else {
            return "\(path): not found (sandbox)"
        }
        for folder in allowedFolders where resolved == folder || resolved.hasPrefix(folder == "/" ? "/" : folder + "/") {
            return nil
        }
        let allowed = allowedFolders.isEmpty ? "no folder is allowed" : "allowed: " + allowedFolders.joined(separator: ", ")
        return "\(path): outside the sandbox (\(allowed))"
    }

    /// The Lua half: rewires the libraries around `allowed(path) -> nil | why`.
    static let prelude = """
        local allowed, root = ...
        local open, lines, input, output = io.open, io.lines, io.input, io.output
        local rawloadfile, rawload, searchpath = loadfile, load, package.searchpath
        local function confine(path)
          local why = allowed(path)
          if why then error(why, 3) end
        end
        io.open = function(path, mode)
          local why = allowed(tostring(path))
          if why then return nil, why end
          return open(path, mode)
        end
        io.lines = function(path, ...)
          if path ~= nil then confine(tostring(path)) end
          return lines(path, ...)
        end
        io.input = function(f)
          if type(f) == "string" then confine(f) end
          return input(f)
        end
        io.output = function(f)
          if type(f) == "string" then confine(f) end
          return output(f)
        end
        loadfile = function(path, mode, env)
          if path == nil then return nil, "loadfile: standard input is not allowed in the sandbox" end
          local why = allowed(tostring(path))
          if why then return nil, why end
          return rawloadfile(path, "t", env)
        end
        dofile = function(path)
          if path == nil then error("dofile: standard input is not allowed in the sandbox", 2) end
          confine(tostring(path))
          local chunk, err = rawloadfile(path, "t")
          if not chunk then error(err, 2) end
          return chunk()
        end
        load = function(chunk, name, mode, env)
          return rawload(chunk, name, "t", env)
        end
        os.execute, os.exit, os.remove, os.rename, os.tmpname = nil, nil, nil, nil, nil
        io.popen = nil
        package.loadlib = nil
        package.cpath = ""
        package.path = root and (root .. "/?.lua;" .. root .. "/?/init.lua") or ""
        package.searchers = {
          package.searchers[1],
          function(name)
            local path, err = searchpath(name, package.path)
            if not path then return err end
            local why = allowed(path)
            if why then return "\\n\\t" .. why end
            local chunk, lerr = rawloadfile(path, "t")
            if not chunk then error(lerr, 0) end
            return chunk, path
          end,
        }
        local traceback = debug.traceback
        debug = { traceback = traceback }
        package.loaded.debug = debug
        """
}

extension LuaState {
    /// Applies a sandbox to a state whose standard libraries are open.
    public func applySandbox(_ sandbox: LuaSandbox) throws {
        self.sandbox = sandbox
        try load(LuaSandbox.prelude, name: "=sandbox")
        pushFunction { call in
            let path = try call.string(1)
            return call.push(sandbox.check(path))
        }
        sandbox.allowedFolders.first.push(to: L)
        try execute(arguments: 2)
    }
}

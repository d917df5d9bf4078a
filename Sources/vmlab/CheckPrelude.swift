/// The Lua half of the checker API: the global `check` table a lab's
/// `check.lua` uses (documented in Labs/README.md).
///
/// The runner (`CheckRunner`) drives it in separate top-level runs, so that a
/// limit (instructions, time, memory) stops one step — loading the student's
/// file, running check.lua, or one test — and never the rest:
///   1. `check._boot(student_path, display_name)` loads the student's file
///   2. check.lua runs and declares tests with `check.test`
///   3. `check._run(i)` runs test i and returns status, score, message
enum CheckPrelude {
    static let source = #"""
    local check = {}
    local tests = {}
    check._tests = tests

    -- Private copies of what the checker relies on, taken before any student
    -- code runs (the student's file gets copies of the libraries, not these).
    local type, tostring, pairs, ipairs, error, pcall, select = type, tostring, pairs, ipairs, error, pcall, select
    local setmetatable, getmetatable, rawget, next, load = setmetatable, getmetatable, rawget, next, load
    local format, rep, find, gsub, sub = string.format, string.rep, string.find, string.gsub, string.sub
    local concat, sort, insert = table.concat, table.sort, table.insert
    local mtype, floor, abs, huge = math.type, math.floor, math.abs, math.huge
    local open = io.open

    local ABORT = setmetatable({}, { __tostring = function() return "check failed" end })
    local SKIP = setmetatable({}, { __tostring = function() return "skipped" end })
    local current -- the running test's record

    ------------------------------------------------------------------ values as text
    -- Integers as 64-bit patterns, as vm addresses are: a kernel address such as
    -- 0xffff800000001000 (a negative Lua integer) prints as itself.
    local function hex(n)
      if mtype(n) ~= "integer" then return tostring(n) end
      return format("0x%x", n)
    end
    check.hex = hex

    local function show(v, ashex, depth, seen)
      depth = depth or 0
      local t = type(v)
      if t == "string" then return format("%q", v)
      elseif t == "number" then
        if ashex then return hex(v) end
        return tostring(v)
      elseif t ~= "table" then return tostring(v) end
      seen = seen or {}
      if seen[v] or depth > 3 then return "{…}" end
      seen[v] = true
      local keys, parts, n = {}, {}, #v
      for i = 1, n do parts[#parts + 1] = show(v[i], ashex, depth + 1, seen) end
      for k in pairs(v) do
        if not (mtype(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
      end
      sort(keys, function(a, b)
        local ta, tb = type(a), type(b)
        if ta ~= tb then return ta < tb end
        if ta == "string" or ta == "number" then return a < b end
        return tostring(a) < tostring(b)
      end)
      for _, k in ipairs(keys) do
        local key = (type(k) == "string" and find(k, "^[%a_][%w_]*$")) and k or ("[" .. show(k, ashex, depth + 1, seen) .. "]")
        parts[#parts + 1] = key .. " = " .. show(v[k], ashex, depth + 1, seen)
      end
      seen[v] = nil
      return "{" .. concat(parts, ", ") .. "}"
    end
    check.show = function(v) return show(v) end

    local function equal(a, b, seen)
      if a == b then return true end
      if type(a) ~= "table" or type(b) ~= "table" then return false end
      seen = seen or {}
      if seen[a] == b then return true end
      seen[a] = b
      for k, v in pairs(a) do if not equal(v, b[k], seen) then return false end end
      for k in pairs(b) do if a[k] == nil then return false end end
      return true
    end
    check.equal = equal

    ------------------------------------------------------------------ recording
    local function need_test(name)
      if not current then error("check." .. name .. " can only be used inside a test", 3) end
    end

    -- "{got}" and "{want}" in a message are replaced by the values; without
    -- them, "(expected …, got …)" is appended.
    local function explain(message, got, want, ashex)
      local g, w = show(got, ashex), show(want, ashex)
      message = message or "wrong value"
      if find(message, "{got}", 1, true) or find(message, "{want}", 1, true) then
        return (gsub(gsub(message, "{got}", function() return g end), "{want}", function() return w end))
      end
      return format("%s (expected %s, got %s)", message, w, g)
    end

    local function pass()
      current.checks = current.checks + 1
      current.passed = current.passed + 1
      return true
    end

    local function fail(text)
      current.checks = current.checks + 1
      current.failures[#current.failures + 1] = text
      if not current.partial then error(ABORT, 0) end
      return false
    end

    function check.eq(actual, expected, message)
      need_test("eq")
      if equal(actual, expected) then return pass() end
      return fail(explain(message, actual, expected, false))
    end

    function check.eq_hex(actual, expected, message)
      need_test("eq_hex")
      if equal(actual, expected) then return pass() end
      return fail(explain(message, actual, expected, true))
    end

    function check.near(actual, expected, tolerance, message)
      need_test("near")
      if type(actual) == "number" and abs(actual - expected) <= tolerance then return pass() end
      return fail(explain((message or "not close enough") .. format(" (within %s)", tostring(tolerance)), actual, expected, false))
    end

    function check.ok(value, message)
      need_test("ok")
      if value then return pass() end
      return fail(message or "expected a true value")
    end

    function check.fail(message)
      need_test("fail")
      return fail(message or "failed")
    end

    -- check.errors(fn, pattern, message): fn() must raise an error whose text contains pattern (plain).
    function check.errors(fn, pattern, message)
      need_test("errors")
      local ok, err = pcall(fn)
      if ok then return fail(message or "expected an error, but none was raised") end
      if pattern and not find(tostring(err), pattern, 1, true) then
        return fail(format("%s (the error was: %s)", message or ("expected an error mentioning " .. format("%q", pattern)), tostring(err)))
      end
      return pass()
    end

    function check.note(text)
      need_test("note")
      current.notes[#current.notes + 1] = tostring(text)
    end

    function check.skip(reason)
      need_test("skip")
      current.skip = reason or "skipped"
      error(SKIP, 0)
    end

    -- print() inside a test goes to the test's output (bounded), not to the terminal.
    local function capture(...)
      if not current then return end
      if current.printed >= 40 then
        if current.printed == 40 then current.notes[#current.notes + 1] = "output: …(more output dropped)" end
        current.printed = current.printed + 1
        return
      end
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      local line = concat(parts, "\t")
      if #line > 200 then line = sub(line, 1, 200) .. "…" end
      current.printed = current.printed + 1
      current.notes[#current.notes + 1] = "output: " .. line
    end
    _G.print = capture

    ------------------------------------------------------------------ tests
    -- check.test(name, points, fn) or check.test(name, {points=, hidden=, partial=}, fn)
    function check.test(name, options, fn)
      if type(name) ~= "string" then error("check.test: the first argument must be the test's name", 2) end
      if type(options) == "number" then options = { points = options } end
      if type(options) ~= "table" then error("check.test: the second argument must be points or {points=, hidden=, partial=}", 2) end
      if type(fn) ~= "function" then error("check.test: the third argument must be the test function", 2) end
      local points = options.points or 1
      if type(points) ~= "number" or points < 0 then error("check.test: points must be a number >= 0", 2) end
      for _, t in ipairs(tests) do
        if t.name == name then error("check.test: two tests named " .. format("%q", name), 2) end
      end
      tests[#tests + 1] = { name = name, points = points, hidden = options.hidden and true or false,
                            partial = options.partial and true or false, fn = fn }
    end

    function check._run(i)
      local t = tests[i]
      current = { checks = 0, passed = 0, failures = {}, notes = {}, printed = 0, partial = t.partial }
      local ok, err = pcall(t.fn)
      local record = current
      current = nil
      local lines = {}
      for _, f in ipairs(record.failures) do lines[#lines + 1] = f end
      if not ok and err == SKIP then
        return "skipped", 0, record.skip
      end
      if not ok and err ~= ABORT then
        local text = type(err) == "string" and err or ("error object: " .. show(err))
        lines[#lines + 1] = "error: " .. text
        record.checks = record.checks + 1
      end
      for _, n in ipairs(record.notes) do lines[#lines + 1] = n end
      local message = concat(lines, "\n")
      if #record.failures == 0 and ok then
        return "passed", t.points, message
      end
      local score = 0
      if t.partial and record.checks > 0 then
        score = t.points * record.passed / record.checks
      end
      return "failed", score, message
    end

    ------------------------------------------------------------------ the student's file
    local lab_path, lab_name, exports, load_error

    -- Copies of the standard libraries, so that the student's code cannot
    -- change what the checker uses.
    local function student_env()
      local env = {}
      for k, v in pairs(_G) do
        if k ~= "check" and k ~= "_G" then
          if type(v) == "table" and k ~= "package" then
            local copy = {}
            for kk, vv in pairs(v) do copy[kk] = vv end
            env[k] = copy
          else
            env[k] = v
          end
        end
      end
      env._G = env
      -- What the sandbox removed fails with a message that says why.
      for lib, names in pairs({ os = { "execute", "exit", "remove", "rename", "tmpname" }, io = { "popen" } }) do
        for _, n in ipairs(names) do
          if env[lib] and env[lib][n] == nil then
            env[lib][n] = function() error(lib .. "." .. n .. " is not allowed in code that vmlab check grades (sandbox)", 2) end
          end
        end
      end
      return env
    end

    local function load_student()
      if not lab_path then error("no student file to load", 0) end
      local f, why = open(lab_path, "r")
      if not f then error(why, 0) end
      local text = f:read("a")
      f:close()
      local env = student_env()
      local chunk, err = load(text, "@" .. lab_name, "t", env)
      if not chunk then error(err, 0) end
      local result = chunk()
      if result == nil then result = env end
      if type(result) ~= "table" then
        error(lab_name .. " must return a table of its functions (it returned a " .. type(result) .. ")", 0)
      end
      return result
    end

    local function proxy(t)
      return setmetatable({}, {
        __index = function(_, k)
          if load_error then error(lab_name .. " did not load: " .. load_error, 2) end
          local v = t[k]
          if v == nil then
            error(format("%s does not define '%s' (define it and return it in the table at the end of %s)", lab_name, tostring(k), lab_name), 2)
          end
          return v
        end,
        __newindex = function(_, k, v) t[k] = v end,
        __pairs = function() return next, t, nil end,
      })
    end

    -- check.lab: what the student's file returned (a missing name is an error that says so).
    -- check.has(name): whether the student's file defines name.
    -- check.fresh(): the student's file loaded again, in a new environment.
    function check.has(name)
      return exports ~= nil and rawget(exports, name) ~= nil
    end
    function check.fresh()
      if load_error then error(lab_name .. " did not load: " .. load_error, 2) end
      return proxy(load_student())
    end

    -- check.folder: the lab's folder (absolute); check.file(name): a file in it (a trace the lab ships).
    function check.file(name)
      return check.folder .. "/" .. name
    end

    function check._boot(path, name)
      lab_path, lab_name = path, name or "lab.lua"
      exports = {}
      check.lab = proxy(exports)
      check.lab_file = lab_name
      local result = load_student()
      exports = result
      check.lab = proxy(exports)
    end

    function check._failed_to_load(message)
      load_error = message
      check.lab = proxy({})
    end

    _G.check = check
    package.loaded.check = check
    """#
}

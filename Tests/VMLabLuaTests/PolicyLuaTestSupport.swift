/// Paths for the policy tests: the repository root, found from this source file's path.
enum PolicyLuaTestSupport {
    static var root: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/VMLabLuaTests/PolicyLuaTestSupport.swift
        return parts.joined(separator: "/")
    }

    /// Lua code defining ROOT and `same(a, b)` (victim lists equal, else false and where they differ).
    static var prelude: String {
        """
        ROOT = "\(root)"
        function same(a, b)
          if #a ~= #b then return false, "lengths " .. #a .. " vs " .. #b end
          for i = 1, #a do
            if a[i] ~= b[i] then return false, "victim " .. i .. ": " .. a[i] .. " vs " .. b[i] end
          end
          return true
        end

        """
    }
}

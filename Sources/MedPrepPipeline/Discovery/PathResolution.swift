import Foundation

/// Lexical path arithmetic (no file system access, symlinks are not resolved).
package enum PathResolution {
    /// `path` made absolute against `base` (when relative) and normalized: `.` and empty components removed,
    /// `..` applied lexically (never above `/`). `~` is not expanded.
    package static func absolute(_ path: String, base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return normalize(joined)
    }

    /// Removes `.` and empty components and applies `..` lexically; the result starts with `/` if `path` does.
    package static func normalize(_ path: String) -> String {
        var components = [Substring]()
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if let last = components.last, last != ".." {
                    components.removeLast()
                } else if !path.hasPrefix("/") {
                    components.append(component)
                }
            default: components.append(component)
            }
        }
        let body = components.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + body }
        return body.isEmpty ? "." : body
    }

    /// Whether absolute, normalized `path` is `directory` or lies below it.
    package static func isWithin(_ path: String, directory: String) -> Bool {
        if directory == "/" { return path.hasPrefix("/") }
        return path == directory || path.hasPrefix(directory + "/")
    }

    /// Whether `relative` is a relative path that cannot leave the directory it is joined to:
    /// not absolute, not empty, and without `..` components.
    package static func isContained(_ relative: String) -> Bool {
        guard !relative.isEmpty, !relative.hasPrefix("/") else { return false }
        return !relative.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    /// The current working directory, or `/` if it cannot be read.
    package static var currentDirectory: String {
        FileManager.default.currentDirectoryPath.isEmpty ? "/" : FileManager.default.currentDirectoryPath
    }
}

import Foundation

/// `OutputTree.status(of:)` for many files, keeping the directories it opened: checking the recorded outputs of
/// every case then costs one `fstatat` per output instead of opening, `fstatat`-ing and closing each output's
/// directory chain. The same guarantees hold: paths must be contained (`OutputTree.isContained`), every directory
/// is opened one component at a time with `O_NOFOLLOW` from the root, and the file itself is `fstatat`-ed
/// without following a link and must be a regular file.
///
/// The descriptors stay open until the probe is released, or until `capacity` directories are held (then all are
/// closed and the probe starts over), so a probe holds at most `capacity` descriptors. Safe to share between
/// threads.
package final class OutputTreeProbe: @unchecked Sendable {
    package let tree: OutputTree
    /// The most directories held open at once.
    package let capacity: Int
    private var directories: [Substring: Int32] = [:]
    private let lock = NSLock()

    package init(tree: OutputTree, capacity: Int = 64) {
        self.tree = tree
        self.capacity = max(1, capacity)
    }

    deinit { directories.values.forEach { _ = close($0) } }

    /// Size and modification time of regular file `relative`; nil when nothing is there (nor its directory).
    /// - Throws: as `OutputTree.status(of:)`: the path is not contained, a directory component is a symbolic link
    ///   or not a directory, or the entry is not a regular file.
    package func status(of relative: String) throws -> OutputFileStatus? {
        guard Self.isContained(relative) else {
            try OutputTree.checkContained(relative)
            return nil
        }
        guard let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/")) else {
            return try tree.entryStatus(String(relative), in: tree.descriptor, relative: relative)
        }
        let directory = relative[..<slash]
        let name = String(relative[relative.utf8.index(after: slash)...])
        lock.lock()
        defer { lock.unlock() }
        if let descriptor = directories[directory] {
            return try tree.entryStatus(name, in: descriptor, relative: relative)
        }
        let opened = try tree.withDirectory(of: relative, create: false) { descriptor, _ in
            fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        }
        guard let descriptor = opened else { return nil }
        guard descriptor >= 0 else {
            throw MedPrepError(.io, path: tree.location(String(directory)), reason: "cannot open: \(OutputTree.systemError())")
        }
        if directories.count >= capacity {
            directories.values.forEach { _ = close($0) }
            directories.removeAll(keepingCapacity: true)
        }
        directories[directory] = descriptor
        return try tree.entryStatus(name, in: descriptor, relative: relative)
    }

    /// `OutputTree.isContained` without building the components: not empty, no NUL byte, no empty, `.` or `..`
    /// component (so not absolute).
    static func isContained(_ relative: String) -> Bool {
        var length = 0, dots = 0, any = false
        for byte in relative.utf8 {
            any = true
            if byte == 0 { return false }
            if byte == UInt8(ascii: "/") {
                if length == 0 || dots == length && length <= 2 { return false }
                length = 0
                dots = 0
                continue
            }
            length += 1
            if byte == UInt8(ascii: ".") { dots += 1 }
        }
        return any && length > 0 && !(dots == length && length <= 2)
    }
}

extension OutputTree {
    /// `fstatat` of `name` in `directory` without following a link: nil when there is no such entry; throws unless
    /// it is a regular file.
    func entryStatus(_ name: String, in directory: Int32, relative: String) throws -> OutputFileStatus? {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw MedPrepError(.io, path: location(relative), reason: "cannot stat: \(Self.systemError())")
        }
        try requireKind(info, S_IFREG, shown: relative)
        return Self.fileStatus(info)
    }
}

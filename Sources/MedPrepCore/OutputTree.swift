import Foundation
#if os(Linux)
import CLinuxFile
#endif

/// A directory that medprep writes into and deletes from, opened once; everything below it is reached from the
/// directory's descriptor, one name at a time, and never through a symbolic link.
///
/// - The root is resolved once, when the tree is opened: it may itself be given through a link.
/// - Paths below it are relative and contained (`checkContained`): not empty, not absolute, no empty, `.` or `..`
///   component, no NUL byte. Every method refuses other paths, so a path read back from a damaged state store
///   cannot reach outside.
/// - Each directory component is opened with `openat(O_DIRECTORY | O_NOFOLLOW)` (and created with `mkdirat` for
///   writes). The name is a single component, so nothing but a link could lead elsewhere, and a link there is an
///   error naming it.
/// - The final name is given by `linkat`/`renameat`, which replace a link found there instead of writing through
///   it; deletes (`unlinkat`) and `status` take only regular files.
///
/// Files are written atomically: see `AtomicFile` for the temporary files, `fsync` and `FileSink`.
package final class OutputTree: Sendable {
    /// The root as given (used in messages).
    package let path: String
    /// The root's descriptor, open for the tree's lifetime.
    let descriptor: Int32

    /// Opens the directory `directory` (following links in `directory` itself), creating it and its parents first
    /// when it is missing and `create` is set.
    /// - Throws: `MedPrepError(.io)` when it cannot be created or opened, or is not a directory.
    package init(directory: String, create: Bool = true) throws {
        var fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0, errno == ENOENT, create {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw MedPrepError(.io, path: directory, reason: "cannot create directory: \(ErrorText.reason(error))")
            }
            fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            throw MedPrepError(.io, path: directory, reason: "cannot open the directory: \(Self.systemError())")
        }
        path = directory
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The directory holding the user-given file path `path` (created if needed) as a tree, and the file's name
    /// in it: how `AtomicFile` writes to paths given on the command line.
    package static func containing(_ path: String) throws -> (tree: OutputTree, name: String) {
        let directory = (path as NSString).deletingLastPathComponent
        return (try OutputTree(directory: directory.isEmpty ? "." : directory), (path as NSString).lastPathComponent)
    }

    /// `relative` joined to the root, for messages.
    package func location(_ relative: String) -> String { path + "/" + relative }

    // MARK: Contained paths

    /// Whether `relative` is a contained path: not empty, not absolute, without empty, `.` or `..` components, and
    /// without NUL bytes.
    package static func isContained(_ relative: String) -> Bool { (try? components(relative)) != nil }

    /// Throws unless `relative` is a contained path (`isContained`).
    /// - Throws: `MedPrepError(.invalidArgument)` naming the path.
    package static func checkContained(_ relative: String) throws { _ = try components(relative) }

    /// The components of contained path `relative`.
    static func components(_ relative: String) throws -> [String] {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.utf8.contains(0),
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw MedPrepError(.invalidArgument, path: relative, reason: "is not a path inside the output directory "
                + "(it is empty or absolute, or has an empty, `.` or `..` component, or a NUL byte); medprep never "
                + "writes or deletes such a path. If it was read from the state store, the store is damaged: delete "
                + "the output directory's .medprep/state.sqlite to rebuild it")
        }
        return parts.map(String.init)
    }

    // MARK: Writing

    /// Writes file `relative` atomically, creating its missing directories: `body` fills a temporary file in the
    /// destination directory, which is then (after `fsync` when `durable`) given the final name. On any error the
    /// temporary file is removed and the destination is untouched. `observer` sees every byte written, in order.
    /// - Throws: `MedPrepError` for a path that is not contained, a directory component that is a symbolic link
    ///   or not a directory, and I/O failures; whatever `body` throws.
    package func write(to relative: String, durable: Bool = true, observer: ((UnsafeRawBufferPointer) -> Void)? = nil,
                      _ body: (FileSink) throws -> Void) throws {
        try write(to: relative, durable: durable, unnamed: true, observer: observer, body)
    }

    /// Writes `bytes` to file `relative` atomically (`write(to:durable:observer:_:)`).
    package func write(_ bytes: some Collection<UInt8>, to relative: String, durable: Bool = true) throws {
        try write(to: relative, durable: durable) { try $0.write(contentsOf: bytes) }
    }

    /// Writes `text` as UTF-8 to file `relative` atomically.
    package func write(text: String, to relative: String, durable: Bool = true) throws {
        try write(Array(text.utf8), to: relative, durable: durable)
    }

    /// `write(to:durable:observer:_:)`; `unnamed: false` skips the unnamed temporary file (for tests of the named
    /// one).
    func write(to relative: String, durable: Bool, unnamed: Bool, observer: ((UnsafeRawBufferPointer) -> Void)?,
               _ body: (FileSink) throws -> Void) throws {
        let display = location(relative)
        _ = try withDirectory(of: relative, create: true) { directory, name in
            if unnamed, let fd = Self.openUnnamed(in: directory) {
                defer { close(fd) }
                try Self.fill(fd, path: display, durable: durable, observer: observer, body)
                try Self.link(fd, as: name, in: directory, path: display)
                return
            }
            let (fd, temporary) = try Self.createTemporary(for: name, in: directory, path: display)
            do {
                defer { close(fd) }
                try Self.fill(fd, path: display, durable: durable, observer: observer, body)
                guard renameat(directory, temporary, directory, name) == 0 else {
                    throw MedPrepError(.io, path: display, reason: "cannot rename into place: \(Self.systemError())")
                }
            } catch {
                unlinkat(directory, temporary, 0)
                throw error
            }
        }
    }

    /// Lets `body` write the open temporary file, then makes it world-readable and, if `durable`, flushes it.
    private static func fill(_ fd: Int32, path: String, durable: Bool, observer: ((UnsafeRawBufferPointer) -> Void)?,
                             _ body: (FileSink) throws -> Void) throws {
        try body(FileSink(descriptor: fd, path: path, observer: observer))
        guard fchmod(fd, 0o644) == 0, !durable || fsync(fd) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot flush: \(systemError())")
        }
    }

    /// An unnamed file in `directory` (Linux `O_TMPFILE`), or nil where the system or the file system has none, or
    /// where it could not be named afterwards (no `/proc`).
    private static func openUnnamed(in directory: Int32) -> Int32? {
        #if os(Linux)
        let flag = medprep_o_tmpfile()
        guard flag != 0, canNameUnnamedFiles else { return nil }
        let fd = openat(directory, ".", flag | O_WRONLY | O_CLOEXEC, 0o644)
        return fd >= 0 ? fd : nil
        #else
        return nil
        #endif
    }

    /// Unnamed files are named by linking their `/proc/self/fd` entry (`linkat` with `AT_SYMLINK_FOLLOW`), which
    /// needs no privilege but needs `/proc`.
    private static let canNameUnnamedFiles = access("/proc/self/fd", X_OK) == 0

    /// Gives the unnamed file `fd` the name `name` in `directory`: linked there directly when the name is free,
    /// else linked under a temporary name that is renamed over whatever holds the name (a link is replaced).
    private static func link(_ fd: Int32, as name: String, in directory: Int32, path: String) throws {
        let source = "/proc/self/fd/\(fd)"
        if linkat(AT_FDCWD, source, directory, name, AT_SYMLINK_FOLLOW) == 0 { return }
        guard errno == EEXIST else {
            throw MedPrepError(.io, path: path, reason: "cannot link into place: \(systemError())")
        }
        while true {
            let temporary = temporaryName(for: name)
            if linkat(AT_FDCWD, source, directory, temporary, AT_SYMLINK_FOLLOW) != 0 {
                if errno == EEXIST { continue }
                throw MedPrepError(.io, path: path, reason: "cannot link into place: \(systemError())")
            }
            guard renameat(directory, temporary, directory, name) == 0 else {
                let reason = systemError()
                unlinkat(directory, temporary, 0)
                throw MedPrepError(.io, path: path, reason: "cannot rename into place: \(reason)")
            }
            return
        }
    }

    /// A new, exclusively created `.<name>.tmp-XXXXXX` in `directory`, and its name.
    private static func createTemporary(for name: String, in directory: Int32, path: String) throws -> (Int32, String) {
        while true {
            let temporary = temporaryName(for: name)
            let fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temporary) }
            if errno == EEXIST || errno == EINTR { continue }
            throw MedPrepError(.io, path: path, reason: "cannot create a temporary file: \(systemError())")
        }
    }

    /// `.<name>.tmp-` and six random letters or digits.
    static func temporaryName(for name: String) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return "." + name + ".tmp-" + String((0 ..< 6).map { _ in letters.randomElement()! })
    }

    /// Whether `name` has the form of a temporary file name (`.<name>.tmp-XXXXXX`).
    package static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards) else { return false }
        return name[marker.upperBound...].count == 6
    }

    // MARK: Directories

    /// Opens the directories of contained path `relative` one by one from the root and calls `body` with the
    /// descriptor of the last one and the final name. With `create`, missing directories are made; without it,
    /// a missing one returns nil.
    func withDirectory<Result>(of relative: String, create: Bool,
                               _ body: (Int32, String) throws -> Result) throws -> Result? {
        let components = try Self.components(relative)
        var current = descriptor
        defer { if current != descriptor { close(current) } }
        for index in components.indices.dropLast() {
            let shown = components[...index].joined(separator: "/")
            guard let next = try openDirectory(components[index], in: current, shown: shown, create: create) else {
                return nil
            }
            if current != descriptor { close(current) }
            current = next
        }
        return try body(current, components[components.count - 1])
    }

    /// Opens directory `name` in `parent` without following a link; nil when it is missing and not `create`d.
    private func openDirectory(_ name: String, in parent: Int32, shown: String, create: Bool) throws -> Int32? {
        for _ in 0 ..< 16 {
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 { return fd }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT {
                guard create else { return nil }
                if mkdirat(parent, name, 0o777) == 0 || errno == EEXIST { continue }
                throw MedPrepError(.io, path: location(shown), reason: "cannot create directory: \(Self.systemError())")
            }
            var info = stat()
            if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                try requireKind(info, S_IFDIR, shown: shown)
            }
            throw MedPrepError(.io, path: location(shown), reason: "cannot open directory: \(String(cString: strerror(code)))")
        }
        throw MedPrepError(.io, path: location(shown), reason: "the directory keeps disappearing while it is created")
    }

    /// Throws unless `info` (from `fstatat` without following links) has file type `kind` (`S_IFDIR`, `S_IFREG`).
    func requireKind(_ info: stat, _ kind: mode_t, shown: String) throws {
        let found = info.st_mode & S_IFMT
        guard found != kind else { return }
        let wanted = kind == S_IFDIR ? "a directory" : "a regular file"
        if found == S_IFLNK {
            throw MedPrepError(.io, path: location(shown), reason: "is a symbolic link inside the output directory "
                + "\(path); medprep never follows links there: remove it (and put \(wanted) there if needed)")
        }
        let what = found == S_IFDIR ? "a directory" : found == S_IFREG ? "a regular file" : "a special file"
        throw MedPrepError(.io, path: location(shown), reason: "is \(what), not \(wanted): move it out of the output directory")
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}

import Foundation

/// Size and modification time of a regular file in an `OutputTree`.
package struct OutputFileStatus: Sendable, Equatable {
    /// Length in bytes.
    package var size: Int64
    /// Modification time in nanoseconds since 1970 (`st_mtim`).
    package var modifiedNanoseconds: Int64

    package init(size: Int64, modifiedNanoseconds: Int64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}

/// Removing, inspecting and reading the files of an `OutputTree`, and sweeping its stale temporary files; none of
/// them follows a symbolic link below the root.
extension OutputTree {
    /// Removes file `relative` if it is a regular file (checked with `fstatat(AT_SYMLINK_NOFOLLOW)`, then
    /// `unlinkat` in its directory).
    /// - Returns: true when it was removed; false when nothing is there (nor its directory).
    /// - Throws: `MedPrepError` when the path is not contained, a directory component is a symbolic link or not
    ///   a directory, or the entry is not a regular file (a link, a directory…), which is kept.
    package func removeFile(_ relative: String) throws -> Bool {
        try withDirectory(of: relative, create: false) { directory, name in
            guard let info = try entry(name, in: directory, relative: relative) else { return false }
            try requireKind(info, S_IFREG, shown: relative)
            guard unlinkat(directory, name, 0) == 0 else {
                if errno == ENOENT { return false }
                throw MedPrepError(.io, path: location(relative), reason: "cannot remove: \(Self.systemError())")
            }
            return true
        } ?? false
    }

    /// Size and modification time of regular file `relative`; nil when nothing is there (nor its directory).
    /// - Throws: `MedPrepError` when the path is not contained, a directory component is a symbolic link or not a
    ///   directory, or the entry is not a regular file.
    package func status(of relative: String) throws -> OutputFileStatus? {
        try withDirectory(of: relative, create: false) { directory, name -> OutputFileStatus? in
            guard let info = try entry(name, in: directory, relative: relative) else { return nil }
            try requireKind(info, S_IFREG, shown: relative)
            return Self.fileStatus(info)
        } ?? nil
    }

    /// Opens regular file `relative` for reading (`O_NOFOLLOW`, type checked on the open descriptor); the caller
    /// closes the returned descriptor.
    /// - Throws: `MedPrepError` when it is missing, not contained, reached through a link, or not a regular file.
    package func openForReading(_ relative: String) throws -> Int32 {
        let opened = try withDirectory(of: relative, create: false) { directory, name -> Int32 in
            let fd = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else {
                let reason = Self.systemError()
                if let info = try entry(name, in: directory, relative: relative) { try requireKind(info, S_IFREG, shown: relative) }
                throw MedPrepError(.io, path: location(relative), reason: "cannot open for reading: \(reason)")
            }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw MedPrepError(.io, path: location(relative), reason: "is not a regular file")
            }
            return fd
        }
        guard let opened else {
            throw MedPrepError(.io, path: location(relative), reason: "cannot open for reading: its directory is missing")
        }
        return opened
    }

    /// Hands every chunk (up to `chunkSize` bytes) of regular file `relative` to `body`, in order (e.g. to rehash
    /// an output). Throws as `openForReading`, and for read errors.
    package func read(_ relative: String, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = try openForReading(relative)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunkSize), alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw MedPrepError(.io, path: location(relative), reason: "read failed: \(Self.systemError())")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
        }
    }

    /// Deletes the temporary files (`isTemporaryName`) left by a killed writer anywhere below the root, descending
    /// only into real directories; only regular files are removed. Call it only while no other process writes
    /// into the tree. Returns the paths removed, relative to the root.
    @discardableResult
    package func removeStaleTemporaries() -> [String] {
        var removed: [String] = []
        sweep(descriptor, prefix: "", removed: &removed)
        return removed
    }

    private func sweep(_ directory: Int32, prefix: String, removed: inout [String]) {
        // A descriptor of its own: a duplicate would share (and move) the reading position of `directory`.
        let listing = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0 else { return }
        guard let stream = fdopendir(listing) else {
            close(listing)
            return
        }
        var subdirectories: [String] = []
        while let item = readdir(stream) {
            // Only directories and temporary names need a name and a type: the other entries (every output) are
            // passed over on their first byte and their `readdir` type, without a `String` or an `fstatat`.
            let type = item.pointee.d_type
            let first = withUnsafeBytes(of: item.pointee.d_name) { $0[0] }
            if type != UInt8(DT_DIR), type != UInt8(DT_UNKNOWN), first != UInt8(ascii: ".") { continue }
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR {
                subdirectories.append(name)
            } else if kind == S_IFREG, Self.isTemporaryName(name), unlinkat(directory, name, 0) == 0 {
                removed.append(prefix + name)
            }
        }
        closedir(stream)
        for name in subdirectories {
            let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { continue }
            sweep(child, prefix: prefix + name + "/", removed: &removed)
            close(child)
        }
    }

    /// `fstatat` of `name` in `directory` without following a link; nil when there is no such entry.
    private func entry(_ name: String, in directory: Int32, relative: String) throws -> stat? {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw MedPrepError(.io, path: location(relative), reason: "cannot stat: \(Self.systemError())")
        }
        return info
    }

    static func fileStatus(_ info: stat) -> OutputFileStatus {
        #if os(Linux)
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #else
        let modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #endif
        return OutputFileStatus(size: Int64(info.st_size), modifiedNanoseconds: modified)
    }
}

import Foundation

/// The recursive part of `InputDiscovery`: lists directories with `readdir`, classifies entries by the type
/// `readdir` gives (a regular file is taken as it is) or else with `lstat`/`stat`, and collects selected regular files (relative paths) and notes.
struct Walk {
    /// `realpath` of the input directory: symlink targets must lie under it.
    let root: String
    /// The input directory as given; entry paths are built from it.
    let rootPath: String
    let discovery: InputDiscovery
    private(set) var files: [String] = []
    private(set) var skipped: [SkippedInput] = []
    /// Directories on the current path from the root, to recognise links that lead back up.
    private var ancestors: Set<FileIdentity> = []
    private var visited: Set<FileIdentity> = []

    init(root: String, rootPath: String, discovery: InputDiscovery) {
        self.root = root
        self.rootPath = rootPath
        self.discovery = discovery
    }

    /// Lists one directory and recurses; false if it cannot be opened.
    mutating func visit(directoryPath: String, relative: String, identity: FileIdentity) -> Bool {
        guard let handle = opendir(directoryPath) else { return false }
        var names = [(name: [UInt8], type: UInt8)]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name.first == UInt8(ascii: ".") { continue }
            names.append((name, entry.pointee.d_type))
        }
        closedir(handle)
        ancestors.insert(identity)
        visited.insert(identity)
        defer { ancestors.remove(identity) }
        for (raw, type) in names.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            guard let name = String(validating: raw, as: UTF8.self) else {
                let shown = String(decoding: raw, as: UTF8.self)
                skipped.append(SkippedInput(path: relative.isEmpty ? shown : relative + "/" + shown, reason: .nonUTF8Name,
                                            detail: "the name is not valid UTF-8"))
                continue
            }
            let entryRelative = relative.isEmpty ? name : relative + "/" + name
            // A regular file by its directory entry needs no `lstat` (the assessment `stat`s selected inputs anyway).
            if type == UInt8(DT_REG) {
                if discovery.selects(entryRelative) { files.append(entryRelative) }
                continue
            }
            visitEntry(path: directoryPath + "/" + name, relative: entryRelative)
        }
        return true
    }

    private mutating func note(_ relative: String, _ reason: SkippedInput.Reason, _ detail: String) {
        skipped.append(SkippedInput(path: relative, reason: reason, detail: detail))
    }

    private mutating func visitEntry(path: String, relative: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            note(relative, .unreadable, "cannot stat: \(String(cString: strerror(errno)))")
            return
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            var target = stat()
            guard stat(path, &target) == 0 else {
                if errno == ELOOP {
                    note(relative, .symlinkLoop, "the chain of symbolic links does not end")
                } else {
                    note(relative, .danglingSymlink, "the link target does not exist (\(String(cString: strerror(errno))))")
                }
                return
            }
            guard let resolved = realpath(path), PathResolution.isWithin(resolved, directory: root) else {
                note(relative, .symlinkOutside, "the link points outside the input directory")
                return
            }
            info = target
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            let identity = FileIdentity(info)
            if ancestors.contains(identity) {
                note(relative, .symlinkLoop, "the link leads back to a directory above it")
            } else if visited.contains(identity) {
                note(relative, .alreadyVisited, "the directory was already walked under another name")
            } else if !visit(directoryPath: path, relative: relative, identity: identity) {
                note(relative, .unreadable, "cannot open directory: \(String(cString: strerror(errno)))")
            }
        case S_IFREG:
            if discovery.selects(relative) { files.append(relative) }
        default:
            guard discovery.selects(relative) else { return }
            switch info.st_mode & S_IFMT {
            case S_IFIFO: note(relative, .fifo, "a named pipe is not read")
            case S_IFSOCK: note(relative, .socket, "a socket is not read")
            default: note(relative, .device, "a device file is not read")
            }
        }
    }
}

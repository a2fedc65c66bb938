import Foundation

/// An input directory with the whole corpus plus the cases that cannot live in git, made at test time:
/// a name with spaces, a name that is not UTF-8, symbolic-link loops, a dangling link, a link leading back up,
/// a FIFO, a link to `/dev/zero`, hidden files, non-image files, nested folders.
///
/// Corpus file `category/name` is copied to `category/<name with _ for .>/name`, so every file is its own case
/// whatever its extension (`a.nii` and `a.nii.gz` would otherwise share the id `a`); the halves of a `.hdr`/`.img`
/// pair share the folder `category/<stem>` (`pair.hdr` and `pair.img` then share one case id, and discovery notes
/// the `.img` as a duplicate case; `x.hdr.gz` and `x.img.gz` keep distinct ids).
struct HostileDirectory {
    let root: String
    let input: String
    /// Relative path in `input` of every manifest case.
    var placed: [String: String] = [:]
    /// Relative paths discovery must note and never open (FIFO, device link, loops, dangling link).
    let special = ["special/pipe.nii", "special/zero.nii", "links/dangling.nii", "links/loop_a.nii", "links/loop_b.nii",
                   "links/up"]
    /// Valid scans made here, each a case of its own.
    let extraGood = ["names/with space.png", "deep/a/b/c/scan.nii.gz", "links/inside.png"]
    /// Files that are not images: the run reports them as `unknown_format` failures.
    let nonImages = ["docs/readme.txt", "docs/table.csv"]
    /// Hidden entries: skipped silently.
    let hidden = [".hidden.nii", ".cache/x.png"]
    /// The name with bytes that are not UTF-8 (0xFF).
    let nonUTF8Name: [UInt8] = Array("names/bad".utf8) + [0xFF] + Array(".png".utf8)

    init(cases: [HostileCase]) throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-hostile-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else { throw POSIXError(.EIO) }
        root = String(cString: made)
        input = root + "/input"
        let files = FileManager.default
        for item in cases {
            let name = (item.file as NSString).lastPathComponent
            let isPairHalf = [".hdr", ".img", ".hdr.gz", ".img.gz"].contains { name.hasSuffix($0) }
            let folder = isPairHalf ? String(name.prefix { $0 != "." }) : name.replacingOccurrences(of: ".", with: "_")
            let relative = "\(item.category)/\(folder)/\(name)"
            try files.createDirectory(atPath: input + "/\(item.category)/\(folder)", withIntermediateDirectories: true)
            try files.copyItem(atPath: item.path, toPath: input + "/" + relative)
            placed[item.file] = relative
        }
        let png = HostileCorpus.directory + "/png/gray8.png"
        let nifti = HostileCorpus.directory + "/nifti/base_int16.nii.gz"
        for directory in ["names", "deep/a/b/c", "links", "special", "docs", ".cache"] {
            try files.createDirectory(atPath: input + "/" + directory, withIntermediateDirectories: true)
        }
        try files.copyItem(atPath: png, toPath: input + "/names/with space.png")
        try files.copyItem(atPath: nifti, toPath: input + "/deep/a/b/c/scan.nii.gz")
        try files.copyItem(atPath: nifti, toPath: input + "/.hidden.nii")
        try files.copyItem(atPath: png, toPath: input + "/.cache/x.png")
        try Data("not a scan\n".utf8).write(to: URL(fileURLWithPath: input + "/docs/readme.txt"))
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: input + "/docs/table.csv"))
        try files.createSymbolicLink(atPath: input + "/links/inside.png", withDestinationPath: "../names/with space.png")
        try files.createSymbolicLink(atPath: input + "/links/dangling.nii", withDestinationPath: "/nonexistent/medprep/x.nii")
        try files.createSymbolicLink(atPath: input + "/links/loop_a.nii", withDestinationPath: "loop_b.nii")
        try files.createSymbolicLink(atPath: input + "/links/loop_b.nii", withDestinationPath: "loop_a.nii")
        try files.createSymbolicLink(atPath: input + "/links/up", withDestinationPath: "..")
        try files.createSymbolicLink(atPath: input + "/special/zero.nii", withDestinationPath: "/dev/zero")
        guard mkfifo(input + "/special/pipe.nii", 0o644) == 0 else { throw POSIXError(.EIO) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        let rawPath = Array((input + "/").utf8) + nonUTF8Name + [0]
        let descriptor = rawPath.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// Removes the directory tree (links are removed, not followed).
    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

import Foundation
import Testing
@testable import MedPrepCore

/// `OutputTree`: writes, deletes, status and reads stay below the root and never follow a symbolic link there.
@Suite struct OutputTreeTests {
    typealias Folder = AtomicFileTests.Folder

    /// A root `out/` and a directory `victim/` beside it holding `precious` (the file nothing may touch).
    struct Layout {
        let folder: Folder
        let tree: OutputTree
        var root: String { folder.path + "/out" }
        var victim: String { folder.path + "/victim" }

        init(_ name: String) throws {
            folder = try Folder(name)
            try FileManager.default.createDirectory(atPath: folder.path + "/victim", withIntermediateDirectories: true)
            try Data("precious".utf8).write(to: URL(fileURLWithPath: folder.path + "/victim/precious"))
            tree = try OutputTree(directory: folder.path + "/out")
        }

        func link(_ relative: String, to target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: target)
        }

        func contents(_ path: String) -> String? {
            FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }

        var victimIntact: Bool {
            contents(victim + "/precious") == "precious"
                && ((try? FileManager.default.contentsOfDirectory(atPath: victim)) ?? []) == ["precious"]
        }

        /// The file type of `relative` without following a link.
        func kind(_ relative: String) -> mode_t? {
            var info = stat()
            return lstat(root + "/" + relative, &info) == 0 ? info.st_mode & S_IFMT : nil
        }
    }

    static func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    @Test(arguments: [true, false])
    func writesCreateDirectoriesAndReplaceWholeFiles(unnamed: Bool) throws {
        let layout = try Layout("tree-write")
        defer { layout.folder.cleanUp() }
        try layout.tree.write(to: "a/b/c.bin", durable: true, unnamed: unnamed, observer: nil) { try $0.write(Array("one".utf8)) }
        try layout.tree.write(to: "a/b/c.bin", durable: false, unnamed: unnamed, observer: nil) { try $0.write(Array("2".utf8)) }
        #expect(layout.contents(layout.root + "/a/b/c.bin") == "2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: layout.root + "/a/b") == ["c.bin"])
    }

    /// `out/sub -> victim`: writing `sub/x.bin` (or `sub/deeper/x.bin`) is an error naming `out/sub`, and nothing
    /// appears in `victim`.
    @Test(arguments: [true, false])
    func symlinkAtAnIntermediateComponentIsRefused(unnamed: Bool) throws {
        let layout = try Layout("tree-intermediate")
        defer { layout.folder.cleanUp() }
        try layout.link("sub", to: layout.victim)
        for relative in ["sub/x.bin", "sub/deeper/x.bin"] {
            let message = Self.message {
                try layout.tree.write(to: relative, durable: false, unnamed: unnamed, observer: nil) { try $0.write([1]) }
            }
            #expect(message?.hasPrefix(layout.root + "/sub: is a symbolic link inside the output directory") == true,
                    "\(message ?? "no error")")
        }
        #expect(layout.victimIntact)
        #expect(layout.kind("sub") == S_IFLNK)
    }

    /// `out/x.bin -> victim/precious` (and a dangling link): the write replaces the link with a regular file and the
    /// target is untouched.
    @Test(arguments: [true, false])
    func symlinkAtTheFinalNameIsReplacedNotFollowed(unnamed: Bool) throws {
        let layout = try Layout("tree-final")
        defer { layout.folder.cleanUp() }
        try layout.link("x.bin", to: layout.victim + "/precious")
        try layout.link("dangling.bin", to: layout.victim + "/absent")
        for name in ["x.bin", "dangling.bin"] {
            try layout.tree.write(to: name, durable: false, unnamed: unnamed, observer: nil) { try $0.write(Array("new".utf8)) }
            #expect(layout.kind(name) == S_IFREG)
            #expect(layout.contents(layout.root + "/" + name) == "new")
        }
        #expect(layout.victimIntact)
    }

    /// `removeFile` removes regular files only: a link at the name, a directory and a FIFO are kept with an error,
    /// a link in a directory component is not followed, a missing file is `false`.
    @Test func removeFileTakesOnlyRegularFilesAndNeverFollowsLinks() throws {
        let layout = try Layout("tree-remove")
        defer { layout.folder.cleanUp() }
        try layout.tree.write(text: "x", to: "d/regular")
        try layout.link("link", to: layout.victim + "/precious")
        try layout.link("sub", to: layout.victim)
        #expect(mkfifo(layout.root + "/fifo", 0o644) == 0)

        #expect(try layout.tree.removeFile("d/regular"))
        #expect(layout.kind("d/regular") == nil)
        #expect(try !layout.tree.removeFile("d/regular"))
        #expect(try !layout.tree.removeFile("missing/dir/file"))
        #expect(Self.message { _ = try layout.tree.removeFile("link") }?.contains("is a symbolic link") == true)
        #expect(Self.message { _ = try layout.tree.removeFile("sub/precious") }?.contains("out/sub: is a symbolic link") == true)
        #expect(Self.message { _ = try layout.tree.removeFile("d") }?.contains("is a directory, not a regular file") == true)
        #expect(Self.message { _ = try layout.tree.removeFile("fifo") }?.contains("is a special file") == true)
        #expect(layout.kind("link") == S_IFLNK && layout.kind("sub") == S_IFLNK && layout.kind("fifo") == S_IFIFO)
        #expect(layout.victimIntact)
    }

    /// Paths as a damaged state store could hold them are refused by every operation, before any file access.
    @Test func pathsThatAreNotContainedAreRefusedEverywhere() throws {
        let layout = try Layout("tree-contained")
        defer { layout.folder.cleanUp() }
        let hostile = ["../victim/precious", "../../victim/precious", "a/../../victim/precious", "/etc/passwd",
                       layout.victim + "/precious", "", ".", "a/./b", "a//b", "a/", "a\u{0}b", ".."]
        for relative in hostile {
            #expect(!OutputTree.isContained(relative), "\(relative)")
            for operation in [{ _ = try layout.tree.removeFile(relative) }, { _ = try layout.tree.status(of: relative) },
                              { try layout.tree.write(text: "x", to: relative) }, { try layout.tree.read(relative) { _ in } }] {
                #expect(throws: MedPrepError.self, "\(relative)") { try operation() }
            }
        }
        #expect(OutputTree.isContained("a/b.nii.gz") && OutputTree.isContained(".medprep/groups/x.json"))
        #expect(layout.victimIntact)
    }

    /// `status` is the file's own size and nanosecond mtime (no link followed); `read` gives back its bytes.
    @Test func statusAndReadSeeRegularFilesOnly() throws {
        let layout = try Layout("tree-status")
        defer { layout.folder.cleanUp() }
        let payload = (0 ..< 70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try layout.tree.write(payload, to: "s/out.bin")
        var info = stat()
        #expect(lstat(layout.root + "/s/out.bin", &info) == 0)
        let status = try #require(try layout.tree.status(of: "s/out.bin"))
        #expect(status.size == Int64(payload.count))
        #expect(status.modifiedNanoseconds == Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        #expect(try layout.tree.status(of: "s/absent") == nil && layout.tree.status(of: "absent/x") == nil)
        var read: [UInt8] = []
        try layout.tree.read("s/out.bin", chunkSize: 4096) { read.append(contentsOf: $0) }
        #expect(read == payload)

        try layout.link("link.bin", to: layout.victim + "/precious")
        try layout.link("sub", to: layout.victim)
        for relative in ["link.bin", "sub/precious"] {
            #expect(Self.message { _ = try layout.tree.status(of: relative) }?.contains("is a symbolic link") == true)
            #expect(Self.message { try layout.tree.read(relative) { _ in } }?.contains("is a symbolic link") == true)
        }
    }

    /// The sweep removes `.name.tmp-XXXXXX` regular files at any depth, but descends into no link and removes no
    /// link or directory of that name.
    @Test func staleTemporarySweepFollowsNoLink() throws {
        let layout = try Layout("tree-sweep")
        defer { layout.folder.cleanUp() }
        try layout.tree.write(text: "t", to: ".a.nii.tmp-AbC123")
        try layout.tree.write(text: "t", to: "sub/deeper/.b.npy.tmp-xyz789")
        try layout.tree.write(text: "keep", to: "sub/.hidden")
        try Data("victim temporary".utf8).write(to: URL(fileURLWithPath: layout.victim + "/.c.tmp-qwerty"))
        try layout.link("elsewhere", to: layout.victim)
        try layout.link(".d.tmp-linkxx", to: layout.victim + "/.c.tmp-qwerty")
        try FileManager.default.createDirectory(atPath: layout.root + "/.e.tmp-dirxyz", withIntermediateDirectories: false)

        let removed = layout.tree.removeStaleTemporaries().sorted()
        #expect(removed == [".a.nii.tmp-AbC123", "sub/deeper/.b.npy.tmp-xyz789"])
        #expect(layout.contents(layout.victim + "/.c.tmp-qwerty") == "victim temporary")
        #expect(layout.kind(".d.tmp-linkxx") == S_IFLNK && layout.kind(".e.tmp-dirxyz") == S_IFDIR)
        #expect(layout.kind("sub/.hidden") == S_IFREG)
    }

    /// The root itself may be given through a link; it is resolved once.
    @Test func rootGivenThroughALinkIsResolvedOnce() throws {
        let layout = try Layout("tree-root")
        defer { layout.folder.cleanUp() }
        try FileManager.default.createSymbolicLink(atPath: layout.folder.path + "/alias", withDestinationPath: layout.root)
        let tree = try OutputTree(directory: layout.folder.path + "/alias", create: false)
        try tree.write(text: "via alias", to: "n/x.txt")
        #expect(layout.contents(layout.root + "/n/x.txt") == "via alias")
    }
}

import Foundation
import Testing
@testable import MedPrepPipeline

/// A temporary directory removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates a file (and its parent directories) with `contents`; returns its absolute path.
    @discardableResult
    func write(_ relative: String, _ contents: String = "x") throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    func link(_ relative: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: ((path + "/" + relative) as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        #expect(symlink(target, path + "/" + relative) == 0)
    }
}

@Suite struct GlobPatternTests {
    private func matches(_ pattern: String, _ path: String) -> Bool {
        GlobPattern(pattern)?.matches(path) ?? false
    }

    @Test func globstarStarAndQuestionMark() {
        #expect(matches("**/*.nii.gz", "a.nii.gz"))
        #expect(matches("**/*.nii.gz", "x/y/z/a.nii.gz"))
        #expect(!matches("**/*.nii.gz", "x/a.nii"))
        #expect(matches("*.nii", "a.nii"))
        #expect(!matches("*.nii", "sub/a.nii"))
        #expect(matches("sub/**", "sub/a/b.png"))
        #expect(matches("a/**/b/*.tif", "a/b/x.tif"))
        #expect(matches("a/**/b/*.tif", "a/1/2/b/x.tif"))
        #expect(!matches("a/**/b/*.tif", "a/1/2/c/x.tif"))
        #expect(matches("case_??.png", "case_01.png"))
        #expect(!matches("case_??.png", "case_1.png"))
        #expect(matches("a*", "a"))
        #expect(matches("*a*b*c", "xxaYbZZc"))
        #expect(!matches("*a*b*c", "xxaYbZZcd"))
        #expect(matches("spaced name/*.nii", "spaced name/a b.nii"))
        #expect(matches("ü*/*.png", "über/ä.png"))
        #expect(!matches("*.NII", "a.nii"))
    }

    @Test func braces() {
        #expect(matches("**/*.{nii,nii.gz}", "d/a.nii.gz"))
        #expect(matches("**/*.{nii,nii.gz}", "a.nii"))
        #expect(!matches("**/*.{nii,nii.gz}", "a.png"))
        #expect(matches("{ct,mr/{t1,t2}}/*.nii", "mr/t2/a.nii"))
        #expect(!matches("{ct,mr/{t1,t2}}/*.nii", "mr/flair/a.nii"))
        #expect(matches("a{,b}.png", "a.png"))
    }

    @Test func rejectsUnsafeOrBrokenPatterns() {
        #expect(GlobPattern("/etc/*") == nil)
        #expect(GlobPattern("../*.nii") == nil)
        #expect(GlobPattern("a/{b,c") == nil)
        #expect(GlobPattern("a/b}") == nil)
    }

    @Test func channelPatterns() throws {
        let pattern = try #require(ChannelPattern("{case}_{channel:4}.nii.gz"))
        #expect(pattern.match("BRATS_001_0003.nii.gz")! == ("BRATS_001", 3))
        #expect(pattern.match("BRATS_001_003.nii.gz") == nil)
        #expect(pattern.match("BRATS_001_0003.nii") == nil)
        let free = try #require(ChannelPattern("{channel}-{case}.png"))
        #expect(free.match("12-a-b.png")! == ("a-b", 12))
        #expect(ChannelPattern.problem(in: "{case}.nii") != nil)
        #expect(ChannelPattern.problem(in: "{case}_{chan}.nii") != nil)
        #expect(ChannelPattern.problem(in: "d/{case}_{channel}.nii") != nil)
    }

    @Test func caseIDs() {
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.nii.gz") == "a/b")
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.c.png") == "a/b.c")
        #expect(InputDiscovery.caseID(forRelativePath: "a.d/noext") == "a.d/noext")
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.hdr.gz") == "a/b")
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.img") == "a/b")
    }
}

@Suite struct InputDiscoveryTests {
    private func discovery(_ root: String, include: [String] = ["**/*.nii.gz", "**/*.nii"], channels: String? = nil,
                           labels: String? = nil) -> InputDiscovery {
        InputDiscovery(directory: root, include: include.compactMap(GlobPattern.init),
                       exclude: [GlobPattern("**/excluded/**")!], channels: channels.flatMap(ChannelPattern.init), labels: labels)
    }

    @Test func awkwardTreeIsWalkedSafely() throws {
        let temp = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let root = temp.path + "/in"
        try temp.write("in/b.nii.gz")
        try temp.write("in/a dir/with space.nii")
        try temp.write("in/sub/z.nii.gz")
        try temp.write("in/sub/readme.txt")
        try temp.write("in/.hidden.nii.gz")
        try temp.write("in/.git/x.nii.gz")
        try temp.write("in/excluded/e.nii.gz")
        try outside.write("secret.nii.gz")
        try temp.link("in/out-link.nii.gz", to: outside.path + "/secret.nii.gz")
        try temp.link("in/out-dir", to: outside.path)
        try temp.link("in/dangling.nii.gz", to: root + "/nope.nii.gz")
        try temp.link("in/sub/loop", to: "..")
        try temp.link("in/self", to: "self")
        try temp.link("in/inside.nii.gz", to: "sub/z.nii.gz")
        #expect(mkfifo(root + "/pipe.nii.gz", 0o644) == 0)
        let badName: [UInt8] = Array("\(root)/bad-".utf8) + [0xff, 0xfe] + Array(".nii".utf8) + [0]
        let fd = badName.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)

        let result = try discovery(root).discover()
        #expect(result.cases.map(\.id) == ["a dir/with space", "b", "inside", "sub/z"])
        #expect(result.cases.map(\.relativePaths) == [["a dir/with space.nii"], ["b.nii.gz"], ["inside.nii.gz"], ["sub/z.nii.gz"]])
        #expect(result.cases[1].paths == [root + "/b.nii.gz"])
        let notes = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.path, $0.reason) })
        #expect(notes == [
            "bad-\u{FFFD}\u{FFFD}.nii": .nonUTF8Name,
            "dangling.nii.gz": .danglingSymlink,
            "out-dir": .symlinkOutside,
            "out-link.nii.gz": .symlinkOutside,
            "pipe.nii.gz": .fifo,
            "self": .symlinkLoop,
            "sub/loop": .symlinkLoop,
        ])
    }

    @Test func channelGroupingWithMissingChannelAndLabels() throws {
        let temp = try TemporaryDirectory()
        let root = temp.path + "/images"
        for name in ["c1_0000.nii.gz", "c1_0001.nii.gz", "c2_0001.nii.gz", "c2_0000.nii.gz", "c3_0000.nii.gz",
                     "site/c4_0000.nii.gz", "site/c4_0001.nii.gz", "odd.nii.gz"] {
            try temp.write("images/" + name)
        }
        for name in ["c1", "c2", "c3"] { try temp.write("labels/\(name).nii.gz") }
        let result = try discovery(root, channels: "{case}_{channel:4}.nii.gz", labels: temp.path + "/labels/{case}.nii.gz").discover()
        #expect(result.cases.map(\.id) == ["c1", "c2"])
        #expect(result.cases[1].relativePaths == ["c2_0000.nii.gz", "c2_0001.nii.gz"])
        #expect(result.cases[1].channelNumbers == [0, 1])
        #expect(result.cases[1].labelPath == temp.path + "/labels/c2.nii.gz")
        #expect(result.skipped.map(\.reason) == [.missingLabel, .missingChannel, .channelPatternMismatch])
        #expect(result.skipped.map(\.path) == [temp.path + "/labels/site/c4.nii.gz", "c3", "odd.nii.gz"])
    }

    @Test func duplicateCaseIDsAndMissingRoot() throws {
        let temp = try TemporaryDirectory()
        try temp.write("a.nii")
        try temp.write("a.nii.gz")
        let result = try discovery(temp.path).discover()
        #expect(result.cases.isEmpty)
        #expect(result.skipped.isEmpty)
        #expect(result.conflicts == [CaseConflict(id: "a", relativePaths: ["a.nii", "a.nii.gz"])])
        #expect(throws: (any Error).self) { try discovery(temp.path + "/missing").discover() }
    }

    /// A `.hdr/.img` pair is one case, selected by its header under the default patterns, with both halves
    /// fingerprinted; an `.img` selected beside its header is folded into that case without a note.
    @Test func analyzeStylePairsAreOneCase() throws {
        let temp = try TemporaryDirectory()
        try temp.write("p.hdr")
        try temp.write("p.img")
        try temp.write("q.hdr.gz")
        try temp.write("q.img.gz")
        try temp.write("r.nii")
        let defaults = try discovery(temp.path, include: InputSpec.defaultInclude).discover()
        #expect(defaults.cases.map(\.id) == ["p", "q", "r"])
        #expect(defaults.skipped.isEmpty, "\(defaults.skipped)")
        #expect(defaults.cases.map { $0.fingerprintedPaths.map { ($0 as NSString).lastPathComponent } }
                == [["p.hdr", "p.img"], ["q.hdr.gz", "q.img.gz"], ["r.nii"]])
        let everything = try discovery(temp.path, include: ["**/*"]).discover()
        #expect(everything.cases.map(\.relativePaths) == [["p.hdr"], ["q.hdr.gz"], ["r.nii"]])
        #expect(everything.skipped.isEmpty, "\(everything.skipped)")
        let dataOnly = try discovery(temp.path, include: ["**/*.img"]).discover()
        #expect(dataOnly.cases.map { $0.fingerprintedPaths.map { ($0 as NSString).lastPathComponent } } == [["p.img", "p.hdr"]])
    }

    @Test func fromResolvedPipeline() throws {
        let temp = try TemporaryDirectory()
        try temp.write("data/x.png")
        try temp.write("data/y.nii")
        let text = "version: 1\nname: p\ninput: {directory: data, include: ['**/*.png']}\nstages: []\noutput: {directory: out}\n"
        let pipeline = try PipelineParser.parse(text: text, path: temp.path + "/p.yaml", checkFilesystem: true).resolved()
        #expect(try InputDiscovery(pipeline).discover().cases.map(\.id) == ["x"])
    }
}

import Foundation
import Testing
@testable import MedPrepPipeline

/// What the pipeline derives from the format registries: default include patterns, case ids, the source files of
/// a case, `output.volumes` and the files a case writes.
@Suite struct FormatRegistryTests {
    private func pipeline(volumes: String?, compression: String = "gzip") throws -> ResolvedPipeline {
        let volumesLine = volumes.map { "  volumes: \($0)\n" } ?? ""
        let text = "version: 1\nname: t\ninput: {directory: in}\nstages: []\noutput:\n  directory: out\n"
            + volumesLine + "  compression: \(compression)\n"
        return try PipelineParser.parse(text: text, path: "/p/p.yaml").resolved()
    }

    private func issues(_ volumes: String) -> [String] {
        let text = "version: 1\nname: t\ninput: {directory: in}\nstages: []\noutput: {directory: out, volumes: \(volumes)}\n"
        return PipelineParser.validate(text: text, path: "p.yaml").map(\.description)
    }

    /// The default include list is hashed with the pipeline: it must stay exactly this list, in this order.
    @Test func defaultIncludeIsPinned() {
        #expect(InputSpec.defaultInclude == ["**/*.dcm", "**/*.dicom", "**/*.nii.gz", "**/*.nii", "**/*.hdr", "**/*.hdr.gz", "**/*.png", "**/*.tif",
                                             "**/*.tiff"])
    }

    /// Compound suffixes are stripped case-sensitively; anything else loses its last extension.
    @Test func caseIDsStripCompoundSuffixesCaseSensitively() {
        #expect(Set(InputDiscovery.compoundSuffixes) == [".nii.gz", ".hdr.gz", ".img.gz"])
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.img.gz") == "a/b")
        #expect(InputDiscovery.caseID(forRelativePath: "a/B.NII.GZ") == "a/B.NII")
        #expect(InputDiscovery.caseID(forRelativePath: "a/b.tiff") == "a/b")
    }

    /// Each channel and the label map is a list of files; the fingerprint is all of them, in order.
    @Test func caseSourcesAreListsOfFiles() throws {
        let temp = try TemporaryDirectory()
        for name in ["p.hdr", "p.img", "q.nii", "l.hdr.gz", "l.img.gz"] { try temp.write(name) }
        let root = temp.path
        let input = InputCase(id: "p", relativePaths: ["p.hdr", "q.nii"], paths: [root + "/p.hdr", root + "/q.nii"],
                              channelNumbers: [0, 1], labelPath: root + "/l.hdr.gz")
        #expect(input.channels == [SourceFiles(path: root + "/p.hdr", companions: [root + "/p.img"]),
                                   SourceFiles(path: root + "/q.nii", companions: [])])
        #expect(input.label == SourceFiles(path: root + "/l.hdr.gz", companions: [root + "/l.img.gz"]))
        #expect(input.paths == [root + "/p.hdr", root + "/q.nii"])
        #expect(input.labelPath == root + "/l.hdr.gz")
        #expect(input.fingerprintedPaths == ["p.hdr", "p.img", "q.nii", "l.hdr.gz", "l.img.gz"].map { root + "/" + $0 })
        let series = InputCase(id: "s", relativePaths: ["s/001"],
                               channels: [SourceFiles(path: "/d/s/001", companions: ["/d/s/002", "/d/s/003"])], channelNumbers: [0])
        #expect(series.fingerprintedPaths == ["/d/s/001", "/d/s/002", "/d/s/003"])
        #expect(series.paths == ["/d/s/001"])
    }

    /// Every spelling of `output.volumes`, and the canonical JSON each set hashes as: the old words are unchanged.
    @Test func volumesTakeWordsAndLists() throws {
        let spellings: [(String?, [String], String)] = [
            (nil, ["nifti"], "\"nifti\""), ("nifti", ["nifti"], "\"nifti\""), ("npy", ["npy"], "\"npy\""),
            ("both", ["nifti", "npy"], "\"both\""), ("none", [], "\"none\""),
            ("[nifti]", ["nifti"], "\"nifti\""), ("[npy, nifti]", ["nifti", "npy"], "\"both\""),
            ("[nifti, npy, nifti]", ["nifti", "npy"], "\"both\""), ("[]", [], "\"none\""),
        ]
        for (spelling, names, json) in spellings {
            let resolved = try pipeline(volumes: spelling)
            #expect(resolved.volumes.names == names, "\(spelling ?? "default")")
            #expect(resolved.canonicalJSON.contains("\"volumes\":\(json)"), "\(spelling ?? "default")")
        }
        #expect(try pipeline(volumes: "[npy, nifti]").pipelineHash == pipeline(volumes: "both").pipelineHash)
        #expect(try pipeline(volumes: "[npy, nifti]").processingHash == pipeline(volumes: "both").processingHash)
        #expect(try pipeline(volumes: "[]").processingHash == pipeline(volumes: "none").processingHash)
        #expect(VolumeFormats.words.map(\.word) == ["nifti", "npy", "both", "none"])
        #expect(VolumeFormats(["nifti", "zarr"]) == nil)
        #expect(VolumeFormats(word: "all") == nil)
    }

    @Test func unknownVolumeFormatsAreIssues() {
        #expect(issues("hdf5") == ["p.yaml:5:35: found 'hdf5' for output.volumes, expected one of: nifti, npy, both, none"])
        #expect(issues("[nifti, both]") == ["p.yaml:5:43: found 'both' for a volume format, expected one of: nifti, npy"])
        #expect(issues("{nifti: true}") == ["p.yaml:5:35: found a mapping for output.volumes, expected one of: nifti, npy, both, none"])
    }

    /// One file per format in writer order, then the label map (NIfTI) when any volume is written.
    @Test func volumeFilesFollowTheWriters() throws {
        func files(_ volumes: String, _ compression: String = "gzip") throws -> [String] {
            OutputLayout(try pipeline(volumes: volumes, compression: compression), shard: nil)
                .volumeFiles(caseID: "sub/c", hasLabel: true).map { "\($0.writer.name):\($0.path):\($0.isLabel)" }
        }
        #expect(try files("nifti") == ["nifti:sub/c.nii.gz:false", "nifti:labels/sub/c.nii.gz:true"])
        #expect(try files("npy") == ["npy:sub/c.npy:false", "nifti:labels/sub/c.nii.gz:true"])
        #expect(try files("both", "none") == ["nifti:sub/c.nii:false", "npy:sub/c.npy:false", "nifti:labels/sub/c.nii:true"])
        #expect(try files("[npy, nifti]") == ["nifti:sub/c.nii.gz:false", "npy:sub/c.npy:false", "nifti:labels/sub/c.nii.gz:true"])
        #expect(try files("none").isEmpty)
        let layout = OutputLayout(try pipeline(volumes: "npy"), shard: nil)
        #expect(layout.volumeFiles(caseID: "c", hasLabel: false).map(\.path) == ["c.npy"])
    }
}

import Foundation
import Testing
@testable import MedPrepPipeline

/// The example of the pipeline format documentation, verbatim.
let examplePipeline = """
version: 1
name: ct-groupnorm
input:
  directory: ../SampleData/ct          # relative paths resolve against the pipeline file's directory
  include: ["**/*.nii.gz", "**/*.nii"]
  exclude: []                          # optional
stages:
  - clip: {min: -1024, max: 3000}
  - resample: {spacing: [1.5, 1.5, 1.5]}
  - crop_or_pad: {shape: [128, 128, 96]}
  - select_channels: {channels: [0, 1]}
  - drop_alpha: {}
  - normalize: {method: groupnorm, groups: 1, eps: 1.0e-5}
batch: {size: 4}
output:
  directory: ../out/ct-groupnorm
  volumes: nifti          # nifti | npy | both | none
  compression: gzip       # gzip (.nii.gz) | none (.nii)
  batches: npy            # optional
  reports: [json, csv, html]
limits: {max_voxels: 2147483648}   # optional
"""

private func issues(_ text: String) -> [String] {
    PipelineParser.validate(text: text, path: "p.yaml").map(\.description)
}

/// A minimal valid pipeline with `stages` replaced.
private func pipeline(stages: String) -> String {
    """
    version: 1
    name: t
    input: {directory: in}
    stages:
    \(stages)
    output: {directory: out}
    """
}

@Suite struct PipelineParserTests {
    @Test func parsesTheDocumentedExample() throws {
        let spec = try PipelineParser.parse(text: examplePipeline, path: "/work/pipelines/ct.yaml")
        #expect(spec.name == "ct-groupnorm")
        #expect(spec.input.directory == "../SampleData/ct")
        #expect(spec.input.include == ["**/*.nii.gz", "**/*.nii"])
        #expect(spec.stages == [
            .clip(min: -1024, max: 3000),
            .resample(spacing: [1.5, 1.5, 1.5], interpolation: .linear),
            .cropOrPad(shape: [128, 128, 96], padValue: 0),
            .selectChannels([0, 1]),
            .dropAlpha,
            .normalize(NormalizeSpec(method: .groupNorm(groups: 1, eps: 1e-5, gamma: nil, beta: nil), nonFinite: .error)),
        ])
        #expect(spec.batch.size == 4)
        #expect(spec.output == OutputSpec(directory: "../out/ct-groupnorm", volumes: .nifti, compression: .gzip,
                                          batches: .npy, reports: [.json, .csv, .html]))
        #expect(spec.output.reports == [.csv, .html, .json])
        #expect(spec.limits.maxVoxels == 2_147_483_648)
        #expect(spec.sourceMap.stages.map(\.line) == [8, 9, 10, 11, 12, 13])

        let resolved = spec.resolved()
        #expect(resolved.inputDirectory == "/work/SampleData/ct")
        #expect(resolved.outputDirectory == "/work/out/ct-groupnorm")
        #expect(resolved.stateDirectory == "/work/out/ct-groupnorm/.medprep")
        #expect(resolved.pipelineHash.count == 64)
    }

    @Test func fillsDefaults() throws {
        let spec = try PipelineParser.parse(text: pipeline(stages: "  - normalize: {method: dataset}"), path: "/a/p.yaml")
        #expect(spec.input.include == InputSpec.defaultInclude)
        #expect(spec.input.exclude == [])
        #expect(spec.batch.size == 1)
        #expect(spec.output == OutputSpec(directory: "out", volumes: .nifti, compression: .gzip, batches: .none, reports: [.json]))
        #expect(spec.limits.maxVoxels == 1 << 31)
        #expect(spec.stages == [.normalize(NormalizeSpec(method: .dataset(statistics: .computed, mask: .all, ctClip: false, eps: 1e-5)))])
    }

    @Test func parsesEveryNormalizeMethod() throws {
        let stages = [
            "{method: groupnorm, groups: 2, gamma: [1, 2], beta: [0, 0.5], nonfinite: zero}",
            "{method: instance, eps: 0.001}",
            "{method: dataset, stats: stats/ct.json, mask: {threshold: -500}, ct_clip: true}",
            "{method: dataset, mask: nonzero}",
            "{method: minmax, nonfinite: ignore}",
            "{method: percentile, lower: 1, upper: 99}",
            "{method: imagenet}",
            "{method: batchstats}",
        ]
        let methods = try stages.map { stage -> NormalizeSpec? in
            let spec = try PipelineParser.parse(text: pipeline(stages: "  - normalize: " + stage), path: "/a/p.yaml")
            return spec.stages.first?.normalize
        }
        #expect(methods == [
            NormalizeSpec(method: .groupNorm(groups: 2, eps: 1e-5, gamma: [1, 2], beta: [0, 0.5]), nonFinite: .zero),
            NormalizeSpec(method: .instance(eps: 0.001)),
            NormalizeSpec(method: .dataset(statistics: .file("stats/ct.json"), mask: .threshold(-500), ctClip: true, eps: 1e-5)),
            NormalizeSpec(method: .dataset(statistics: .computed, mask: .nonzero, ctClip: false, eps: 1e-5)),
            NormalizeSpec(method: .minMax, nonFinite: .ignore),
            NormalizeSpec(method: .percentile(lower: 1, upper: 99)),
            NormalizeSpec(method: .imagenet),
            NormalizeSpec(method: .batchStats(eps: 1e-5)),
        ])
        let resolved = try PipelineParser.parse(text: pipeline(stages: "  - normalize: " + stages[2]), path: "/a/p.yaml").resolved()
        guard let dataset = resolved.stages[0].normalize else { Issue.record("stage 0 is not normalize"); return }
        #expect(dataset.method == .dataset(statistics: .file("/a/stats/ct.json"), mask: .threshold(-500), ctClip: true, eps: 1e-5))
    }

    @Test func normalizeMustBeTheLastStage() {
        let text = pipeline(stages: "  - normalize: {method: minmax}\n  - clip: {min: 0, max: 1}")
        #expect(issues(text) == ["p.yaml:5:5: found normalize as stage 1 of 2, expected normalize as the last stage"])
    }

    @Test func unknownKeyListsAllowedKeys() {
        let text = """
        version: 1
        name: t
        input:
          directory: in
          inclde: ["*.nii"]
        stages: []
        output: {directory: out, volume: nifti}
        """
        #expect(issues(text) == [
            "p.yaml:5:3: found unknown key 'inclde' in input, expected one of: directory, include, exclude, channels, labels, missing, align, tolerance, case_id, case_id_salt_file",
            "p.yaml:7:26: found unknown key 'volume' in output, expected one of: directory, volumes, compression, batches, reports, thumbnails",
        ])
    }

    @Test func wrongTypes() {
        let text = """
        version: "1"
        name: t
        input: {directory: in, include: "*.nii"}
        stages:
          - clip: {min: low, max: 3}
          - crop_or_pad: {shape: [1.5, 2, 3]}
        batch: {size: [4]}
        output: {directory: out, volumes: hdf5}
        """
        #expect(issues(text) == [
            "p.yaml:1:10: found string \"1\" for version, expected an integer",
            "p.yaml:3:33: found string \"*.nii\" for input.include, expected a list",
            "p.yaml:5:17: found 'low' for clip.min, expected a number",
            "p.yaml:6:27: found '1.5' for shape value, expected an integer",
            "p.yaml:7:15: found a list for batch.size, expected an integer",
            "p.yaml:8:35: found 'hdf5' for output.volumes, expected one of: nifti, npy, both, none",
        ])
    }

    @Test func missingRequiredKeys() {
        let text = """
        version: 1
        input:
          include: ["*.nii"]
        stages:
          - normalize: {method: groupnorm}
          - resample: {}
          - normalize: {eps: 0.1}
        output: {}
        """
        #expect(issues(text) == [
            "p.yaml:1:1: found the pipeline without 'name', expected key 'name' (required)",
            "p.yaml:2:1: found input without 'directory', expected key 'directory' (required)",
            "p.yaml:5:5: found normalize (groupnorm) without 'groups', expected key 'groups' (required)",
            "p.yaml:6:5: found resample without 'spacing', expected key 'spacing' (required)",
            "p.yaml:7:5: found normalize without 'method', expected key 'method' (required), one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats",
            "p.yaml:8:1: found output without 'directory', expected key 'directory' (required)",
        ])
    }

    @Test func unknownStageAndMethod() {
        let text = pipeline(stages: """
          - blur: {sigma: 1}
          - normalize: {method: zscore}
          - clip
        """)
        #expect(issues(text) == [
            "p.yaml:5:5: found unknown stage 'blur', expected one of: orient, clip, crop_foreground, resample, resize, crop_or_pad, select_channels, drop_alpha, normalize",
            "p.yaml:6:25: found unknown normalize method 'zscore', expected one of: groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats",
            "p.yaml:7:5: found 'clip' as stage 3, expected a one-key mapping '- stage: {parameters}' with a stage from: orient, clip, crop_foreground, resample, resize, crop_or_pad, select_channels, drop_alpha, normalize",
        ])
    }

    @Test func wrongVersion() {
        let text = """
        version: 2
        name: t
        input: {directory: in}
        stages: []
        output: {directory: out}
        """
        #expect(issues(text) == ["p.yaml:1:10: found version 2, expected 1"])
    }

    @Test func groupsAndAffineParameters() {
        let text = pipeline(stages: """
          - normalize: {method: groupnorm, groups: 0}
          - normalize:
              method: groupnorm
              groups: -2
              gamma: [1, 1, 1]
              beta: [0, 0]
        """)
        #expect(issues(text) == [
            "p.yaml:5:44: found groups 0, expected a positive integer",
            "p.yaml:8:15: found groups -2, expected a positive integer",
            "p.yaml:10:13: found gamma with 3 values and beta with 2, expected the same number of values (one per channel)",
        ])
    }

    @Test func cropShapeAndSpacingMustBePositive() {
        let text = pipeline(stages: """
          - crop_or_pad: {shape: [128, 0, -4]}
          - resample: {spacing: [1, 0]}
          - crop_or_pad: {shape: [1, 2, 3, 4]}
        """)
        #expect(issues(text) == [
            "p.yaml:5:32: found shape value 0, expected a positive integer",
            "p.yaml:5:35: found shape value -4, expected a positive integer",
            "p.yaml:6:29: found spacing 0.0, expected a positive number (mm)",
            "p.yaml:7:26: found 4 values for crop_or_pad.shape, expected 2 to 3 values",
        ])
    }

    @Test func outputMustNotOverlapInputAndNameMustBeSafe() {
        let text = """
        version: 1
        name: ../evil
        input: {directory: data}
        stages: []
        output:
          directory: data/out
        """
        #expect(issues(text) == [
            "p.yaml:2:7: found name '../evil', expected letters, digits, '.', '_', '-' (not starting with '.')",
        ])
        let overlap = text.replacingOccurrences(of: "../evil", with: "ok")
        let found = PipelineParser.validate(text: overlap, path: "/x/p.yaml")
        #expect(found.map(\.description) == [
            "/x/p.yaml:6:3: found output directory /x/data/out overlaps the input directory /x/data, expected an output directory outside the input directory and not one of its parents",
        ])
    }

    @Test func outputPathsStayUnderTheOutputDirectory() throws {
        let resolved = try PipelineParser.parse(text: pipeline(stages: "  []"), path: "/x/p.yaml").resolved()
        #expect(try resolved.outputPath("a/b.nii.gz") == "/x/out/a/b.nii.gz")
        for bad in ["../b.nii", "a/../../b", "/etc/passwd", "", "."] {
            #expect(throws: (any Error).self) { try resolved.outputPath(bad) }
        }
    }

    @Test func syntaxErrorHasPosition() {
        let text = "version: 1\nname: [a\n"
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("p.yaml:3:1: found invalid YAML") == true)
        #expect(issues("version: 1\nversion: 1\n").first?.contains("duplicate key 'version'") == true)
        #expect(issues("") == ["p.yaml:1:1: found an empty document, expected a mapping with version, name, input, stages, output"])
    }

    @Test func filesystemCheckReportsMissingInputDirectory() throws {
        let text = pipeline(stages: "  - normalize: {method: dataset, stats: missing.json}")
        let path = NSTemporaryDirectory() + "medprep-nonexistent-\(getpid())/p.yaml"
        #expect(PipelineParser.validate(text: text, path: path).isEmpty)
        let found = PipelineParser.validate(text: text, path: path, checkFilesystem: true).map { "\($0.line):\($0.column): \($0.message)" }
        #expect(found.count == 2)
        #expect(found.first?.hasPrefix("3:9: found no directory at") == true)
        #expect(found.last?.hasPrefix("5:34: found no file at") == true, "\(found)")
    }

    @Test func channelCountChecks() throws {
        let text = pipeline(stages: """
          - select_channels: {channels: [0, 2]}
          - normalize: {method: groupnorm, groups: 3, gamma: [1, 1, 1], beta: [0, 0, 0]}
        """)
        let spec = try PipelineParser.parse(text: text, path: "p.yaml")
        #expect(spec.checkChannels(3).map(\.description) == [
            "p.yaml:6:36: found groups 3 with 2 channels, expected a number of groups that divides the channel count",
            "p.yaml:6:47: found gamma with 3 values for 2 channels, expected one value per channel",
            "p.yaml:6:65: found beta with 3 values for 2 channels, expected one value per channel",
        ])
        let imagenet = try PipelineParser.parse(text: pipeline(stages: "  - select_channels: {channels: [0, 2]}\n  - normalize: {method: imagenet}"),
                                                path: "p.yaml")
        #expect(imagenet.checkChannels(3).map(\.description) == [
            "p.yaml:6:17: found imagenet normalization of 2 channels, expected 1 or 3 channels (gray or RGB)",
        ])
        #expect(spec.resolved().checkChannels(2).map(\.message).first == "found channel index 2 with 2 channels, expected an index below 2")
        let ok = try PipelineParser.parse(text: pipeline(stages: "  - drop_alpha: {}\n  - normalize: {method: groupnorm, groups: 3}"), path: "p.yaml")
        #expect(ok.checkChannels(4).isEmpty)
        #expect(ok.checkChannels(2).count == 1)
    }
}

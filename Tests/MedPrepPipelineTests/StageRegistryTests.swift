import Testing
import MedPrepCore
import MedPrepNormalize
@testable import MedPrepPipeline

/// The stage and method registries are the single source of names, keys, parsing, canonical JSON, plans and
/// report parameters.
@Suite struct StageRegistryTests {
    /// One example per registry entry, written so that its canonical JSON is itself a valid parameter mapping.
    static let stageExamples: [String: String] = [
        "orient": "{to: PSR}",
        "clip": "{min: -1024, max: 3000}",
        "crop_foreground": "{threshold: -500, margin: [2, 2, 1]}",
        "resample": "{spacing: [1.5, 2], interpolation: nearest}",
        "resize": "{shape: [256, 256], interpolation: nearest}",
        "crop_or_pad": "{shape: [64, 64, 48], pad_value: -1}",
        "select_channels": "{channels: [1, 0]}",
        "drop_alpha": "{}",
        "normalize": "{method: minmax}",
    ]
    static let methodExamples: [String: String] = [
        "groupnorm": "{method: groupnorm, groups: 2, gamma: [1, 2], beta: [0, 0.5], nonfinite: zero}",
        "instance": "{method: instance, eps: 0.001, mask: nonzero}",
        "dataset": "{method: dataset, mask: {threshold: -500}, ct_clip: true}",
        "minmax": "{method: minmax, nonfinite: ignore}",
        "percentile": "{method: percentile, lower: 1, upper: 99}",
        "imagenet": "{method: imagenet}",
        "batchstats": "{method: batchstats, eps: 0.01}",
    ]

    static func stage(_ name: String, _ parameters: String) throws -> StageSpec {
        let text = "version: 1\nname: t\ninput: {directory: in}\nstages:\n  - \(name): \(parameters)\noutput: {directory: out}\n"
        return try #require(try PipelineParser.parse(text: text, path: "/r/p.yaml").stages.first)
    }

    @Test func registriesListTheDocumentedNamesOnce() {
        #expect(StageSpec.names == ["orient", "clip", "crop_foreground", "resample", "resize", "crop_or_pad", "select_channels", "drop_alpha",
                                   "normalize"])
        #expect(NormalizeMethod.names == ["groupnorm", "instance", "dataset", "minmax", "percentile", "imagenet", "batchstats"])
        #expect(Set(StageSpec.names).count == StageSpec.names.count)
        #expect(Set(NormalizeMethod.names).count == NormalizeMethod.names.count)
    }

    @Test func everyStageParsesAndSpellsOutExactlyItsKeys() throws {
        #expect(Set(Self.stageExamples.keys) == Set(StageSpec.names), "one example per registered stage")
        for descriptor in StageRegistry.all {
            let example = try #require(Self.stageExamples[descriptor.name])
            let stage = try Self.stage(descriptor.name, example)
            #expect(stage.name == descriptor.name)
            guard case .object(var members) = stage.canonicalJSON else { Issue.record("not an object"); continue }
            #expect(members.removeValue(forKey: "stage") == .string(descriptor.name))
            if let keyed = descriptor as? any KeyedStage.Type {
                #expect(Set(members.keys) == Set(keyed.allowedKeys), "\(descriptor.name)")
            } else {
                #expect(stage.normalize != nil, "\(descriptor.name) reads its own parameters")
            }
        }
    }

    @Test func everyMethodParsesAndSpellsOutExactlyItsKeys() throws {
        #expect(Set(Self.methodExamples.keys) == Set(NormalizeMethod.names), "one example per registered method")
        for descriptor in NormalizeMethodRegistry.all {
            let example = try #require(Self.methodExamples[descriptor.name])
            let spec = try #require(try Self.stage("normalize", example).normalize)
            #expect(spec.method.name == descriptor.name)
            #expect(spec.method.parameterKeys == descriptor.keys)
            guard case .object(let members) = StageSpec.normalize(spec).canonicalJSON else { Issue.record("not an object"); continue }
            #expect(members["method"] == .string(descriptor.name))
            #expect(Set(members.keys) == Set(["stage", "method", "nonfinite"] + descriptor.keys), "\(descriptor.name)")
        }
    }

    /// Canonical JSON is JSON, hence YAML flow syntax: read back as the stage's parameters it gives the same stage.
    @Test func canonicalJSONReadsBackAsTheSameStage() throws {
        let examples = Self.stageExamples.map { ($0.key, $0.value) } + Self.methodExamples.values.map { ("normalize", $0) }
        for (name, parameters) in examples {
            let stage = try Self.stage(name, parameters)
            guard case .object(var members) = stage.canonicalJSON else { Issue.record("not an object"); continue }
            members["stage"] = nil
            let reread = try Self.stage(name, CanonicalJSON.object(members).text)
            #expect(reread == stage, "\(name): \(parameters)")
            #expect(reread.canonicalJSON.text == stage.canonicalJSON.text)
        }
    }

    @Test func factoriesBuildWhatTheParserReads() throws {
        #expect(try Self.stage("orient", "") == StageSpec.orient(to: "RAS"))
        #expect(try Self.stage("orient", "{to: LPS}") == StageSpec.orient(to: "LPS"))
        #expect(StageSpec.orient(to: "LPS") != StageSpec.orient(to: "RAS") && StageSpec.orient(to: "RLS") == nil)
        #expect(try Self.stage("clip", "{min: -1, max: 2}") == .clip(min: -1, max: 2))
        #expect(try Self.stage("resample", "{spacing: [1, 2]}") == .resample(spacing: [1, 2], interpolation: .linear))
        #expect(try Self.stage("crop_or_pad", "{shape: [4, 5]}") == .cropOrPad(shape: [4, 5], padValue: 0))
        #expect(try Self.stage("crop_foreground", "") == .cropForeground(threshold: nil, margin: [0, 0, 0]))
        #expect(try Self.stage("crop_foreground", "{threshold: nonzero, margin: [1, 2]}") == .cropForeground(threshold: nil, margin: [1, 2]))
        #expect(try Self.stage("crop_foreground", "{threshold: 0.5}") == .cropForeground(threshold: 0.5, margin: [0, 0, 0]))
        #expect(try Self.stage("resize", "{shape: [4, 5]}") == .resize(shape: [4, 5], interpolation: .linear))
        #expect(try Self.stage("normalize", "{method: instance, mask: all}") == .normalize(NormalizeSpec(method: .instance(eps: 1e-5))))
        #expect(try Self.stage("normalize", "{method: instance, mask: nonzero}")
            == .normalize(NormalizeSpec(method: .instance(eps: 1e-5, mask: .nonzero))))
        #expect(try Self.stage("select_channels", "{channels: [0]}") == .selectChannels([0]))
        #expect(try Self.stage("drop_alpha", "") == .dropAlpha)
        #expect(try Self.stage("normalize", "{method: dataset, mask: all}")
            == .normalize(NormalizeSpec(method: .dataset(statistics: .computed, mask: .all, ctClip: false, eps: 1e-5))))
        #expect(StageSpec.clip(min: 0, max: 1) != .clip(min: 0, max: 2))
        #expect(StageSpec.dropAlpha != .selectChannels([0]))
        #expect(NormalizeMethod.instance(eps: 1e-5) != .batchStats(eps: 1e-5))
    }

    @Test func unknownNamesAreRejectedWithTheRegisteredNames() {
        let pipeline = { (stage: String) in
            "version: 1\nname: t\ninput: {directory: in}\nstages:\n  - \(stage)\noutput: {directory: out}\n"
        }
        let stage = PipelineParser.validate(text: pipeline("blur: {sigma: 1}"), path: "p.yaml").map(\.message)
        #expect(stage == ["found unknown stage 'blur', expected one of: " + StageSpec.names.joined(separator: ", ")])
        let method = PipelineParser.validate(text: pipeline("normalize: {method: zscore}"), path: "p.yaml").map(\.message)
        #expect(method == ["found unknown normalize method 'zscore', expected one of: " + NormalizeMethod.names.joined(separator: ", ")])
        #expect(throws: PipelineIssues.self) {
            try NormalizeSpec(method: "zscore", parameters: [:], nonFinite: .error, source: "normalize")
        }
    }

    /// `medprep normalize` builds its method from its flags through the same parser.
    @Test func parametersOutsideAPipelineFileGoThroughTheMethodParser() throws {
        let flags: [String: CanonicalJSON] = [
            "groups": .int(2), "eps": .double(1e-3), "ct_clip": .bool(true), "lower": .double(1), "upper": .double(99),
            "gamma": .array([.double(1), .double(2)]), "stats": .string("a b/stats.json"), "mask": .object(["threshold": .double(-0.5)]),
        ]
        let expected: [String: NormalizeMethod] = [
            "groupnorm": .groupNorm(groups: 2, eps: 1e-3, gamma: [1, 2], beta: nil),
            "instance": .instance(eps: 1e-3, mask: .threshold(-0.5)),
            "dataset": .dataset(statistics: .file("a b/stats.json"), mask: .threshold(-0.5), ctClip: true, eps: 1e-3),
            "minmax": .minMax,
            "percentile": .percentile(lower: 1, upper: 99),
            "imagenet": .imagenet,
            "batchstats": .batchStats(eps: 1e-3),
        ]
        #expect(Set(expected.keys) == Set(NormalizeMethod.names))
        for name in NormalizeMethod.names {
            let spec = try NormalizeSpec(method: name, parameters: flags, nonFinite: .zero, source: "normalize")
            #expect(spec == expected[name].map { NormalizeSpec(method: $0, nonFinite: .zero) }, "\(name)")
        }
        let refused = #expect(throws: PipelineIssues.self) {
            try NormalizeSpec(method: "instance", parameters: ["eps": .double(0)], nonFinite: .error, source: "normalize")
        }
        #expect(refused?.issues.map(\.message) == ["found eps 0.0, expected a positive number"])
        let mismatched = #expect(throws: PipelineIssues.self) {
            try NormalizeSpec(method: "groupnorm", parameters: ["groups": .int(1), "gamma": .array([.double(1)]), "beta": .array([])],
                              nonFinite: .error, source: "normalize")
        }
        #expect(mismatched?.issues.map(\.message) == ["found 0 values for beta, expected 1 to 9223372036854775807 values"])
    }

    @Test func methodsDescribeStatisticsBatchDependenceAndReportParameters() throws {
        func plan(_ method: String) throws -> StagePlan {
            let example = try #require(Self.methodExamples[method])
            return try StagePlan(stages: [try Self.stage("normalize", example)], limits: .default)
        }
        for name in NormalizeMethod.names {
            let plan = try plan(name)
            #expect(plan.dependsOnBatch == (name == "batchstats"), "\(name)")
            #expect((plan.statisticsSource == .computed) == (name == "dataset"), "\(name)")
            if name != "dataset" { #expect(try plan.makeNormalizer(statistics: nil) != nil, "\(name)") }
        }
        #expect(try plan("dataset").statisticsMask == .threshold(-500))
        #expect(throws: MedPrepError.self) { try plan("dataset").makeNormalizer(statistics: nil) }
        #expect(try StagePlan(stages: [.clip(min: 0, max: 1)], limits: .default).statisticsSource == nil)
        #expect(try StagePlan(stages: [.normalize(NormalizeSpec(method: .dataset(statistics: .computed, mask: .all, ctClip: false,
                                                                                 eps: 1e-5)))], limits: .default).statisticsMask == nil)

        let groupNorm = try #require(try plan("groupnorm").normalize?.reportParameters)
        #expect(groupNorm.method == "groupnorm" && groupNorm.groups == 2 && groupNorm.eps == 1e-5)
        #expect(groupNorm.gamma == [1, 2] && groupNorm.beta == [0, 0.5] && groupNorm.nonFinite == "zero")
        for (name, method, eps) in [("instance", "instance-masked", 0.001), ("batchstats", "batchstats", 0.01)] {
            let parameters = try #require(try plan(name).normalize?.reportParameters)
            #expect(parameters.method == method && parameters.eps == eps && parameters.groups == nil && parameters.gamma == nil)
        }
        #expect(try plan("dataset").normalize?.reportParameters.method == "dataset-ct")
        #expect(NormalizeSpec(method: .instance(eps: 1e-5)).reportParameters.method == "instance")
        #expect(NormalizeSpec(method: .dataset(statistics: .computed, mask: .all, ctClip: false, eps: 1e-5)).reportParameters.method
            == "dataset")
        for name in ["minmax", "percentile", "imagenet"] {
            let parameters = try #require(try plan(name).normalize?.reportParameters)
            #expect(parameters.method == name && parameters.eps == nil && parameters.groups == nil, "\(name)")
        }
    }

    @Test func onlyTheDatasetMethodReadsAFileAndResolvesItsPath() throws {
        let dataset = try Self.stage("normalize", "{method: dataset, stats: rel/s.json}")
        #expect(dataset.stage.inputFiles == [StageInputFile(key: "normalize.stats", path: "rel/s.json",
                                                            expected: "an existing dataset statistics file")])
        #expect(dataset.resolvingPaths(base: "/b").normalize?.method
            == .dataset(statistics: .file("/b/rel/s.json"), mask: .all, ctClip: false, eps: 1e-5))
        for (name, parameters) in Self.stageExamples.map({ ($0.key, $0.value) }) + Self.methodExamples.values.map({ ("normalize", $0) }) {
            let stage = try Self.stage(name, parameters)
            #expect(stage.stage.inputFiles.isEmpty && stage.resolvingPaths(base: "/b") == stage, "\(name)")
        }
    }
}

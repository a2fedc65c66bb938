import Foundation
import MedPrepCore
import MedPrepNormalize

/// The parameters a normalization ran with, as the JSON report records them.
package struct NormalizationParameters: Sendable, Equatable, Codable {
    package var method: String
    package var groups: Int?
    package var eps: Double?
    package var gamma: [Float]?
    package var beta: [Float]?
    package var nonFinite: String
    /// How statistics were estimated.
    package var estimator: String
    /// The floating-point type statistics were accumulated in.
    package var accumulation: String

    package init(method: String, groups: Int? = nil, eps: Double? = nil, gamma: [Float]? = nil, beta: [Float]? = nil,
                nonFinite: NonFinitePolicy) {
        self.method = method
        self.groups = groups
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
        self.nonFinite = nonFinite.rawValue
        estimator = "mean and biased variance (ddof 0); chunked two-pass moments merged with Chan's formula"
        accumulation = "Double"
    }

    enum CodingKeys: String, CodingKey {
        case method, groups, eps, gamma, beta, estimator, accumulation
        case nonFinite = "nonfinite"
    }
}

/// What happened to one input of a run.
package struct FileOutcome: Sendable, Equatable, Codable {
    package enum Status: String, Sendable, Codable {
        /// Decoded, normalized and written in this run.
        case processed
        /// Unchanged since a previous run; its outputs were kept.
        case upToDate = "up_to_date"
        /// Could not be processed; `error` says why.
        case failed
        /// Recorded by an earlier run but no longer present in the input directory.
        case removed
    }

    package var input: String
    package var status: Status
    package var outputs: [String]
    package var groups: [GroupStatistics]
    package var error: String?
    package var errorKind: String?

    package init(input: String, status: Status, outputs: [String] = [], groups: [GroupStatistics] = [],
                error: MedPrepError? = nil) {
        self.input = input
        self.status = status
        self.outputs = outputs
        self.groups = groups
        self.error = error?.description
        self.errorKind = error?.kind.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case input, status, outputs, groups, error
        case errorKind = "error_kind"
    }
}

/// A case a run left out on purpose (`input: {missing: skip}`): its files, why, and what is missing.
package struct SkippedCase: Sendable, Equatable, Codable {
    /// The case's files relative to the input directory, joined by `+` (as `FileOutcome.input`), or its id
    /// when no file of it was found.
    package var input: String
    /// The discovery reason: `missing_label`, `missing_channel` or `duplicate_channel`.
    package var reason: String
    /// The missing file or the channels concerned.
    package var detail: String

    package init(input: String, reason: String, detail: String) {
        self.input = input
        self.reason = reason
        self.detail = detail
    }
}

/// Which shard of a sharded run a report covers.
package struct ShardOfRun: Sendable, Equatable, Codable {
    /// 0-based shard index, below `count`.
    package var index: Int
    package var count: Int

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }
}

/// The JSON report of a `normalize` or `run`: parameters, per-file per-group statistics, dataset statistics
/// used, and per-file errors. Keys are sorted and no timestamp is written, so equal runs give equal bytes.
/// Decoding reads what encoding wrote (the `summary` is recomputed from `files`).
package struct RunReport: Sendable, Codable {
    package var medprepVersion: String
    package var parameters: NormalizationParameters
    /// The pipeline as resolved (absolute paths, defaults filled in), for pipeline runs.
    package var pipeline: String?
    package var pipelineHash: String?
    package var statisticsSource: String?
    package var datasetStatistics: DatasetStatistics?
    package var files: [FileOutcome]
    /// Free-form notes: skipped inputs, stale outputs redone, statistics decisions.
    package var notes: [String]
    /// The shard of a sharded run (`medprep run --shard`); nil for a whole run.
    package var shard: ShardOfRun?
    /// Cases per axis code (`RAS`, `LPS`…) when a pipeline without an `orient` stage decoded cases of more than
    /// one orientation; nil (not written) otherwise.
    package var orientations: [String: Int]?
    /// Cases left out under `input: {missing: skip}`, sorted by input; the key is written only when one was.
    package var skipped: [SkippedCase] = []
    /// Pictures, histograms, orientations and spacings for `report.html`; written only when a run draws the page.
    package var visuals: RunVisuals?

    package init(medprepVersion: String, parameters: NormalizationParameters, pipeline: String? = nil,
                pipelineHash: String? = nil, statisticsSource: String? = nil, datasetStatistics: DatasetStatistics? = nil,
                files: [FileOutcome], notes: [String] = []) {
        self.medprepVersion = medprepVersion
        self.parameters = parameters
        self.pipeline = pipeline
        self.pipelineHash = pipelineHash
        self.statisticsSource = statisticsSource
        self.datasetStatistics = datasetStatistics
        self.files = files
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case medprepVersion = "medprep_version"
        case parameters, pipeline
        case pipelineHash = "pipeline_hash"
        case statisticsSource = "statistics_source"
        case datasetStatistics = "dataset_statistics"
        case files, notes, summary, shard, orientations, skipped, visuals
    }

    /// How many files ended in each status.
    package var statusCounts: [FileOutcome.Status: Int] {
        Dictionary(grouping: files, by: \.status).mapValues(\.count)
    }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(medprepVersion, forKey: .medprepVersion)
        try container.encode(parameters, forKey: .parameters)
        try container.encodeIfPresent(pipeline, forKey: .pipeline)
        try container.encodeIfPresent(pipelineHash, forKey: .pipelineHash)
        try container.encodeIfPresent(statisticsSource, forKey: .statisticsSource)
        try container.encodeIfPresent(datasetStatistics, forKey: .datasetStatistics)
        try container.encode(files, forKey: .files)
        try container.encode(notes, forKey: .notes)
        try container.encodeIfPresent(shard, forKey: .shard)
        try container.encodeIfPresent(orientations, forKey: .orientations)
        if !skipped.isEmpty { try container.encode(skipped, forKey: .skipped) }
        try container.encodeIfPresent(visuals, forKey: .visuals)
        let counts = statusCounts
        let summary: [String: Int] = Dictionary(uniqueKeysWithValues: [FileOutcome.Status.processed, .upToDate, .failed, .removed]
            .map { ($0.rawValue, counts[$0] ?? 0) })
        try container.encode(summary, forKey: .summary)
    }

    package init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        medprepVersion = try container.decode(String.self, forKey: .medprepVersion)
        parameters = try container.decode(NormalizationParameters.self, forKey: .parameters)
        pipeline = try container.decodeIfPresent(String.self, forKey: .pipeline)
        pipelineHash = try container.decodeIfPresent(String.self, forKey: .pipelineHash)
        statisticsSource = try container.decodeIfPresent(String.self, forKey: .statisticsSource)
        datasetStatistics = try container.decodeIfPresent(DatasetStatistics.self, forKey: .datasetStatistics)
        files = try container.decode([FileOutcome].self, forKey: .files)
        notes = try container.decode([String].self, forKey: .notes)
        shard = try container.decodeIfPresent(ShardOfRun.self, forKey: .shard)
        orientations = try container.decodeIfPresent([String: Int].self, forKey: .orientations)
        skipped = try container.decodeIfPresent([SkippedCase].self, forKey: .skipped) ?? []
        visuals = try container.decodeIfPresent(RunVisuals.self, forKey: .visuals)
    }

    /// The report as pretty-printed JSON with sorted keys; non-finite numbers are written as strings.
    package func jsonData() throws -> Data {
        try ReportJSON.encoder().encode(self)
    }

    /// All per-group rows of the report, in file order.
    package var groupRows: [GroupRow] {
        files.flatMap { file in file.groups.map { GroupRow(file: file.input, statistics: $0) } }
    }
}

/// The JSON encoder every report uses.
package enum ReportJSON {
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The decoder that reads what `encoder()` wrote (non-finite numbers from `"inf"`, `"-inf"`, `"nan"`).
    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

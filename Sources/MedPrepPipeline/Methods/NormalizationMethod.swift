import MedPrepCore
import MedPrepNormalize
import MedPrepReport

/// One normalization method of the `normalize` stage, described in one place: its name and parameter keys in
/// pipeline files, how its parameters are read, the normalizer it makes, its canonical JSON (hashed into
/// `pipelineHash`), the channel counts it accepts, the parameters a run report shows, and whether it needs
/// dataset statistics or depends on the other members of a batch. A value of a conforming type is one method
/// with its parameters.
///
/// To add a method: a file in `Methods/` with a conforming type (and a `NormalizeMethod` factory for it), and one
/// line in `NormalizeMethodRegistry.all`.
protocol NormalizationMethod: Hashable, Sendable {
    /// The method's name (`method:` in pipeline files, `--method` of `medprep normalize`).
    static var name: String { get }
    /// Its parameter keys besides `method` and `nonfinite`, in documentation order.
    static var keys: [String] { get }
    /// The keys that must be given.
    static var requiredKeys: [String] { get }
    /// Whether a sample's output depends on the other members of its batch.
    static var dependsOnBatch: Bool { get }
    /// Reads the parameters out of the `normalize` mapping (whose keys are already checked against `keys`),
    /// reporting every problem to `reader`; nil after any.
    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> Self?

    /// The parameters, every default spelled out, for the stage's canonical JSON (which adds `method` and
    /// `nonfinite`).
    var canonicalMembers: [String: CanonicalJSON] { get }
    /// The normalizer, given the dataset statistics when `statistics` asks for them.
    /// - Throws: `MedPrepError(.invalidArgument)` for parameters the normalizer refuses or missing statistics.
    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer
    /// Reports what the method cannot take of `count` channels (keys below the stage, e.g. `normalize.groups`).
    func checkChannels(_ count: Int, issues: inout ChannelIssues)
    /// The parameters a run report shows.
    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters
    /// The dataset statistics the method needs, nil when it needs none.
    var statistics: StatisticsRequirement? { get }
    /// The method with its relative file paths made absolute against `base`.
    func resolvingPaths(base: String) -> Self
    /// The files the method reads (keys below the stage, e.g. `normalize.stats`).
    var inputFiles: [StageInputFile] { get }
}

/// What dataset statistics a method needs: where they come from and which voxels they count.
struct StatisticsRequirement: Sendable {
    var source: DatasetStatisticsSource
    /// The foreground mask; nil counts every voxel.
    var mask: ForegroundMask?
}

extension NormalizationMethod {
    static var requiredKeys: [String] { [] }
    static var dependsOnBatch: Bool { false }

    func checkChannels(_ count: Int, issues: inout ChannelIssues) {}

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: Self.name, nonFinite: nonFinite)
    }

    var statistics: StatisticsRequirement? { nil }

    func resolvingPaths(base: String) -> Self { self }

    var inputFiles: [StageInputFile] { [] }

    /// The `eps` key: a positive number, 1e-5 when absent.
    static func readEps(_ fields: NodeReader.Fields, reader: inout NodeReader) -> Double? {
        reader.optional(fields["eps"], default: 1e-5) { reader, node in
            guard let value = reader.number(node, name: "eps") else { return nil }
            guard value > 0 else {
                reader.report(node, found: "eps \(value)", expected: "a positive number")
                return nil
            }
            return value
        }
    }
}

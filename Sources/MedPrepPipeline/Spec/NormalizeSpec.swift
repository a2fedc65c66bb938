import MedPrepNormalize

/// The `normalize` stage: a method with its parameters plus the non-finite voxel policy.
public struct NormalizeSpec: Hashable, Sendable {
    public var method: NormalizeMethod
    public var nonFinite: NonFinitePolicy

    public init(method: NormalizeMethod, nonFinite: NonFinitePolicy = .error) {
        self.method = method
        self.nonFinite = nonFinite
    }
}

/// Where dataset statistics come from.
public enum DatasetStatisticsSource: Hashable, Sendable {
    /// Computed over all inputs in a first pass.
    case computed
    /// Read from a statistics JSON file (path as written; resolved against the pipeline file's directory).
    case file(String)
}

/// A normalization method with its parameters, of a kind from `NormalizeMethodRegistry` (per sample `n` and
/// channel `c` unless stated). Made with the factories beside each method (`.groupNorm(groups:eps:gamma:beta:)`,
/// `.dataset(statistics:mask:ctClip:eps:)`, …).
public struct NormalizeMethod: Hashable, Sendable, CustomStringConvertible {
    let kind: any NormalizationMethod

    init(_ kind: any NormalizationMethod) {
        self.kind = kind
    }

    /// Method names accepted in pipeline files and by `medprep normalize --method`, in documentation order.
    public static var names: [String] { NormalizeMethodRegistry.all.map { $0.name } }

    /// The method's name in pipeline files.
    public var name: String { type(of: kind).name }

    /// Its parameter keys besides `method` and `nonfinite`.
    package var parameterKeys: [String] { type(of: kind).keys }

    /// Whether a sample's output depends on the other members of its batch.
    var dependsOnBatch: Bool { type(of: kind).dependsOnBatch }

    /// The parameters as canonical JSON text (`method` and every default spelled out).
    public var description: String {
        var members = kind.canonicalMembers
        members["method"] = .string(name)
        return CanonicalJSON.object(members).text
    }

    public static func == (a: NormalizeMethod, b: NormalizeMethod) -> Bool { AnyHashable(a.kind) == AnyHashable(b.kind) }

    public func hash(into hasher: inout Hasher) { AnyHashable(kind).hash(into: &hasher) }
}

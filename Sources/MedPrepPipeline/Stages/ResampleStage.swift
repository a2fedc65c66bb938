import MedPrepCore
import MedPrepTransform

/// `resample: {spacing, interpolation}`: resamples to the given voxel spacing in mm (`MedPrepTransform.Resample`);
/// label maps always use nearest. Channels are unchanged.
struct ResampleStage: KeyedStage {
    var spacing: [Double]
    var interpolation: StageSpec.Interpolation

    static let name = "resample"
    static let allowedKeys = ["spacing", "interpolation"]
    static let requiredKeys = ["spacing"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> ResampleStage? {
        let spacing: [Double]? = fields["spacing"].flatMap { node in
            reader.list(node, name: "resample.spacing", count: 2 ... 3) { (reader: inout NodeReader, item) -> Double? in
                guard let value = reader.number(item, name: "a spacing value") else { return nil }
                guard value > 0 else {
                    reader.report(item, found: "spacing \(value)", expected: "a positive number (mm)")
                    return nil
                }
                return value
            }
        }
        let interpolation = reader.optional(fields["interpolation"], default: StageSpec.Interpolation.linear) {
            $0.choice($1, name: "resample.interpolation", as: StageSpec.Interpolation.self)
        }
        guard let spacing, let interpolation else { return nil }
        return ResampleStage(spacing: spacing, interpolation: interpolation)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        ["spacing": .array(spacing.map { .double($0) }), "interpolation": .string(interpolation.rawValue)]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try Resample(spacing: spacing, interpolation: interpolation == .nearest ? .nearest : .linear, limits: limits))
    }
}

extension StageSpec {
    /// Interpolation for `resample`.
    package enum Interpolation: String, Hashable, Sendable, CaseIterable {
        case linear, nearest
    }

    /// Resamples to the given voxel spacing (mm) with the given interpolation; label maps always use nearest.
    package static func resample(spacing: [Double], interpolation: Interpolation) -> StageSpec {
        StageSpec(ResampleStage(spacing: spacing, interpolation: interpolation))
    }
}

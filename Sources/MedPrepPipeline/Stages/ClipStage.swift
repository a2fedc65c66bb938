import MedPrepCore
import MedPrepTransform

/// `clip: {min, max}`: clamps every voxel to `[min, max]` (`MedPrepTransform.Clip`). Channels are unchanged.
struct ClipStage: KeyedStage {
    var min: Double
    var max: Double

    static let name = "clip"
    static let allowedKeys = ["min", "max"]
    static let requiredKeys = ["min", "max"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> ClipStage? {
        guard let minNode = fields["min"], let maxNode = fields["max"],
              let low = reader.number(minNode, name: "clip.min"), let high = reader.number(maxNode, name: "clip.max") else { return nil }
        guard low <= high else {
            reader.report(maxNode, found: "clip.max \(high) below clip.min \(low)", expected: "min ≤ max")
            return nil
        }
        return ClipStage(min: low, max: high)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        ["min": .double(min), "max": .double(max)]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try Clip(min: Float(min), max: Float(max)))
    }
}

extension StageSpec {
    /// Clamps every voxel to `[min, max]`.
    package static func clip(min: Double, max: Double) -> StageSpec { StageSpec(ClipStage(min: min, max: max)) }
}

import MedPrepCore
import MedPrepTransform

/// `orient: {to}`: permutes and flips voxel axes so that they point as the axis code `to` says (default `RAS`),
/// with no interpolation; the affine follows, so world coordinates are unchanged (`MedPrepTransform.Orient`).
/// Stages after it read `spacing` and `shape` along the oriented axes. 2D formats (no world frame) pass unchanged.
/// Channels are unchanged.
struct OrientStage: KeyedStage {
    var target: AxisCodes

    static let name = "orient"
    static let allowedKeys = ["to"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> OrientStage? {
        let target = reader.optional(fields["to"], default: AxisCodes.ras) { (reader: inout NodeReader, node) -> AxisCodes? in
            guard let text = reader.string(node, name: "orient.to") else { return nil }
            guard let codes = AxisCodes(text) else {
                reader.report(node, found: "axis code '\(text)' for orient.to",
                              expected: "3 upper-case letters, one from each of L/R, A/P, S/I (RAS, LPS, PSR…)")
                return nil
            }
            return codes
        }
        return target.map(OrientStage.init(target:))
    }

    var canonicalMembers: [String: CanonicalJSON] { ["to": .string(target.description)] }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(Orient(to: target))
    }
}

extension StageSpec {
    /// Permutes and flips voxel axes to the axis code `target` (`RAS`, `LPS`…); nil for an invalid code.
    package static func orient(to target: String) -> StageSpec? {
        AxisCodes(target).map { StageSpec(OrientStage(target: $0)) }
    }
}

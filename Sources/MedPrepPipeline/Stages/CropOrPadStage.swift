import MedPrepCore
import MedPrepTransform

/// `crop_or_pad: {shape, pad_value}`: centre-crops or pads (with `pad_value`) each spatial axis to `shape`
/// (`MedPrepTransform.CropOrPad`). Channels are unchanged.
struct CropOrPadStage: KeyedStage {
    var shape: [Int]
    var padValue: Double

    static let name = "crop_or_pad"
    static let allowedKeys = ["shape", "pad_value"]
    static let requiredKeys = ["shape"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> CropOrPadStage? {
        let shape = fields["shape"].flatMap { node in
            reader.list(node, name: "crop_or_pad.shape", count: 2 ... 3) { $0.positiveInt($1, name: "shape value") }
        }
        let padValue = reader.optional(fields["pad_value"], default: 0.0) { $0.number($1, name: "crop_or_pad.pad_value") }
        guard let shape, let padValue else { return nil }
        return CropOrPadStage(shape: shape, padValue: padValue)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        ["shape": .array(shape.map { .int($0) }), "pad_value": .double(padValue)]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try CropOrPad(shape: shape, padValue: Float(padValue), limits: limits))
    }
}

extension StageSpec {
    /// Centre-crops or pads (with `padValue`) each spatial axis to `shape`.
    package static func cropOrPad(shape: [Int], padValue: Double) -> StageSpec {
        StageSpec(CropOrPadStage(shape: shape, padValue: padValue))
    }
}

import MedPrepCore
import MedPrepTransform

/// `crop_foreground: {threshold, margin}`: crops every channel to the bounding box of channel 0's foreground
/// (`threshold: nonzero`, the default: voxels ≠ 0, as nnU-Net's crop to nonzero; `threshold: V`: voxels > V),
/// enlarged by `margin` voxels per `(i, j, k)` axis and clamped to the image (`MedPrepTransform.CropForeground`).
/// The label map is cropped to the image's box; an image without foreground is kept whole. Channels are unchanged.
struct CropForegroundStage: KeyedStage {
    var foreground: CropForeground.Foreground
    /// `(i, j, k)`, 3 entries (a 2-entry margin is read with `k = 0`).
    var margin: [Int]

    static let name = "crop_foreground"
    static let allowedKeys = ["threshold", "margin"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> CropForegroundStage? {
        let foreground = reader.optional(fields["threshold"], default: CropForeground.Foreground.nonzero) { reader, node in
            if case .scalar(let scalar) = node, scalar.string == "nonzero" { return .nonzero }
            guard case .scalar(let scalar) = node, scalar.style == .plain, Double(scalar.string) != nil else {
                reader.report(node, found: NodeReader.describe(node) + " for crop_foreground.threshold",
                              expected: "nonzero or a number")
                return nil
            }
            return reader.number(node, name: "crop_foreground.threshold").map { .above($0) }
        }
        let margin = reader.optional(fields["margin"], default: [0, 0, 0]) { reader, node in
            reader.list(node, name: "crop_foreground.margin", count: 2 ... 3) { (reader: inout NodeReader, item) -> Int? in
                guard let value = reader.int(item, name: "a margin value") else { return nil }
                guard value >= 0 else {
                    reader.report(item, found: "margin \(value)", expected: "a non-negative number of voxels")
                    return nil
                }
                return value
            }
        }
        guard let foreground, let margin else { return nil }
        return CropForegroundStage(foreground: foreground, margin: margin.count == 3 ? margin : margin + [0])
    }

    var canonicalMembers: [String: CanonicalJSON] {
        let threshold: CanonicalJSON = switch foreground {
        case .nonzero: .string("nonzero")
        case .above(let value): .double(value)
        }
        return ["threshold": threshold, "margin": .array(margin.map { .int($0) })]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try CropForeground(foreground: foreground, margin: margin))
    }
}

extension StageSpec {
    /// Crops to the box of channel 0's foreground (`nil` threshold: nonzero voxels; else voxels above it),
    /// enlarged by `margin` voxels per `(i, j, k)` axis; the label map follows.
    package static func cropForeground(threshold: Double?, margin: [Int]) -> StageSpec {
        StageSpec(CropForegroundStage(foreground: threshold.map { .above($0) } ?? .nonzero,
                                      margin: margin.count == 3 ? margin : margin + [0]))
    }
}

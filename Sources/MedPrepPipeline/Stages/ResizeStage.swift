import MedPrepCore
import MedPrepTransform

/// `resize: {shape, interpolation}`: resizes to a fixed `[W, H]` or `[W, H, D]` that keeps the field of view
/// (`MedPrepTransform.Resize`: voxel edges aligned, as `scipy.ndimage.zoom(grid_mode=True)` and MONAI `Resize`);
/// spacing and affine follow. Label maps always use nearest. Channels are unchanged.
struct ResizeStage: KeyedStage {
    var shape: [Int]
    var interpolation: StageSpec.Interpolation

    static let name = "resize"
    static let allowedKeys = ["shape", "interpolation"]
    static let requiredKeys = ["shape"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> ResizeStage? {
        let shape = fields["shape"].flatMap { node in
            reader.list(node, name: "resize.shape", count: 2 ... 3) { $0.positiveInt($1, name: "shape value") }
        }
        let interpolation = reader.optional(fields["interpolation"], default: StageSpec.Interpolation.linear) {
            $0.choice($1, name: "resize.interpolation", as: StageSpec.Interpolation.self)
        }
        guard let shape, let interpolation else { return nil }
        return ResizeStage(shape: shape, interpolation: interpolation)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        ["shape": .array(shape.map { .int($0) }), "interpolation": .string(interpolation.rawValue)]
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage {
        .transform(try Resize(shape: shape, interpolation: interpolation == .nearest ? .nearest : .linear, limits: limits))
    }
}

extension StageSpec {
    /// Resizes to `shape` (`[W, H]` or `[W, H, D]`) keeping the field of view; label maps always use nearest.
    package static func resize(shape: [Int], interpolation: Interpolation) -> StageSpec {
        StageSpec(ResizeStage(shape: shape, interpolation: interpolation))
    }
}

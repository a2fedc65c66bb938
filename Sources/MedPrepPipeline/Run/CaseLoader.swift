import MedPrepTransform
import MedPrepCore
import MedPrepDecode

/// A decoded input case after the per-scan stages: the image (channel files stacked along C) and its label map.
package struct PreparedCase: Sendable {
    package var image: Scan
    package var label: Scan?
}

/// Decodes a case's files and applies the plan's per-scan stages.
///
/// A case of several channel files (nnU-Net `case_0000`, `case_0001`, …) becomes one scan whose channels are
/// the files' channels in channel-number order; every file must have the same spatial shape. The first
/// file's geometry and header are kept.
package struct CaseLoader: Sendable {
    package let reader: ScanReader
    package let plan: StagePlan

    package init(reader: ScanReader, plan: StagePlan) {
        self.reader = reader
        self.plan = plan
    }

    /// Decodes and prepares `input`; `decoded` is its already decoded image (channels stacked), if at hand.
    package func load(_ input: InputCase, decoded: Scan? = nil) throws -> PreparedCase {
        let (image, labelTransforms) = try plan.prepareImage(try decoded ?? decodeChannels(input.paths))
        let label = try input.labelPath.map { try plan.prepareLabel(try reader.read(path: $0), transforms: labelTransforms) }
        if let label, label.tensor.shape.spatial != image.tensor.shape.spatial {
            throw MedPrepError(.shapeMismatch, path: input.labelPath,
                reason: "label map has spatial shape \(label.tensor.shape.spatial), the image \(image.tensor.shape.spatial)")
        }
        return PreparedCase(image: image, label: label)
    }

    /// Decodes the channel files of a case and stacks them along C.
    package func decodeChannels(_ paths: [String]) throws -> Scan {
        guard var first = try paths.first.map({ try reader.read(path: $0) }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "a case without files")
        }
        guard paths.count > 1 else { return first }
        var storage = first.tensor.storage
        var shape = first.tensor.shape
        for path in paths.dropFirst() {
            let next = try reader.read(path: path)
            guard next.tensor.shape.spatial == shape.spatial else {
                throw MedPrepError(.shapeMismatch, path: path,
                    reason: "channel file has spatial shape \(next.tensor.shape.spatial), \(first.path) has \(shape.spatial)")
            }
            storage.append(contentsOf: next.tensor.storage)
            shape.c += next.tensor.shape.c
        }
        first.tensor = Tensor(shape: shape, storage: storage)
        return first
    }
}

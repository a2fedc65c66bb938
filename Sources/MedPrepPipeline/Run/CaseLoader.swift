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
/// the files' channels in channel-number order. Every other channel file and the label map must be on the first
/// file's voxel grid, checked on the decoded geometry before any stage (`CaseGrid`: a `grid_mismatch` failure, or
/// resampled onto that grid under `input: {align: resample}`). The first file's geometry and header are kept.
package struct CaseLoader: Sendable {
    package let reader: ScanReader
    package let plan: StagePlan
    package let grid: CaseGrid

    package init(reader: ScanReader, plan: StagePlan, grid: CaseGrid = .standard) {
        self.reader = reader
        self.plan = plan
        self.grid = grid
    }

    /// Decodes and prepares `input`; `decoded` is its already decoded image (channels stacked), if at hand.
    package func load(_ input: InputCase, decoded: Scan? = nil) throws -> PreparedCase {
        var source = try decoded ?? decodeChannels(of: input)
        let reference = CaseGrid.Reference(source)
        let (image, labelTransforms) = try plan.prepareImage(source)
        if !image.tensor.storage.sharesStorage(with: source.tensor.storage) {
            // The decoded volume is no longer needed: the thread's next decode reuses its block (`ScratchArrays`).
            ScratchArrays.recycle(&source.tensor.storage)
        }
        // The label map is decoded only now, into the block the image's decoded volume left: the two full-size
        // volumes are never held at once.
        let label = try input.labelPath.map { path in
            var decodedLabel = try grid.conform(try reader.read(path: path), role: .label, subject: "label",
                                                to: reference, referenceName: "image")
            let prepared = try plan.prepareLabel(decodedLabel, transforms: labelTransforms)
            if !prepared.tensor.storage.sharesStorage(with: decodedLabel.tensor.storage) {
                ScratchArrays.recycle(&decodedLabel.tensor.storage)
            }
            return prepared
        }
        if let label, label.tensor.shape.spatial != image.tensor.shape.spatial {
            throw MedPrepError(.shapeMismatch, path: input.labelPath,
                reason: "label map has spatial shape \(label.tensor.shape.spatial), the image \(image.tensor.shape.spatial)")
        }
        return PreparedCase(image: image, label: label)
    }

    /// Decodes a case's image: each channel through `read(_:)` (a DICOM series channel as one volume), stacked
    /// along C; each channel after the first must be on the first one's grid (`CaseGrid`).
    package func decodeChannels(of input: InputCase) throws -> Scan {
        try decodeChannels(input.channels)
    }

    /// Decodes the channel files of a case (one file each) and stacks them along C, as `decodeChannels(of:)`.
    package func decodeChannels(_ paths: [String]) throws -> Scan {
        try decodeChannels(paths.map { SourceFiles(path: $0, companions: []) })
    }

    /// One channel's scan: a DICOM series (`DICOMSeriesSource.read`, which throws the series' assembly error if it
    /// has one), or the file `source.path` through the format registry. A DICOM file named as another format
    /// (`DICOMHeaderReader.misnamed`) is refused: discovery did not look into it for its series.
    func read(_ source: SourceFiles) throws -> Scan {
        if let series = source.dicomSeries { return try series.read(limits: reader.limits) }
        let format = try ScanReader.format(of: source.path)
        if let misnamed = DICOMHeaderReader.misnamed(path: source.path, format: format) { throw misnamed }
        return try format.read(path: source.path, limits: reader.limits)
    }

    func decodeChannels(_ sources: [SourceFiles]) throws -> Scan {
        guard var first = try sources.first.map({ try read($0) }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "a case without files")
        }
        guard sources.count > 1 else { return first }
        let reference = CaseGrid.Reference(first)
        var storage = first.tensor.storage
        var shape = first.tensor.shape
        for (index, source) in sources.enumerated().dropFirst() {
            let next = try grid.conform(try read(source), role: .image, subject: "channel \(index)",
                                        to: reference, referenceName: "channel 0")
            storage.append(contentsOf: next.tensor.storage)
            shape.c += next.tensor.shape.c
        }
        first.tensor = Tensor(shape: shape, storage: storage)
        return first
    }
}

extension Array where Element == Float {
    /// Whether both arrays use the same buffer (a stage that passed its input through unchanged).
    fileprivate func sharesStorage(with other: [Float]) -> Bool {
        withUnsafeBufferPointer { a in other.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }
}

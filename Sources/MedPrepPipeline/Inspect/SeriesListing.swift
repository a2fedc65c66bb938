import Foundation
import MedPrepCore
import MedPrepDecode

/// One case a run would make from a DICOM series, as `medprep inspect` lists it — from the headers alone, no pixel
/// data decoded.
///
/// `shape` is `[C, D, H, W]` = [SamplesPerPixel, slices, Rows, Columns] and `spacing` `[Δc, Δr, Δs]` (the voxel size
/// along i, j, k; Δs from the positions, `DICOMSliceStack`), as `inspect FILE` prints them for a decoded scan.
/// `rescale` gives the smallest and largest RescaleSlope and RescaleIntercept of the slices (equal when they do not
/// vary). `error` is what fails the case in a run: the assembly error (missing slice, tilt, …), or a transfer syntax
/// medprep does not decode.
package struct SeriesListing: Sendable, Encodable {
    package struct TransferSyntax: Sendable, Encodable, Hashable {
        package var uid: String
        package var name: String
    }

    package struct Rescale: Sendable, Encodable {
        package var slope: [Double]
        package var intercept: [Double]
        /// Whether the slices differ in slope or intercept.
        package var perSlice: Bool

        enum CodingKeys: String, CodingKey { case slope, intercept, perSlice = "per_slice" }
    }

    package var id: String
    /// The deepest directory holding the series' files, relative to the listed directory ("." for itself).
    package var directory: String
    package var files: Int
    /// Frames stacked (one per file for single-frame objects).
    package var slices: Int
    package var shape: [Int]?
    package var spacing: [Double]?
    package var axisCodes: String?
    package var transferSyntaxes: [TransferSyntax]
    package var modality: String?
    package var rescale: Rescale
    package var error: String?
    package var errorKind: String?

    enum CodingKeys: String, CodingKey {
        case id, directory, files, slices, shape, spacing, modality, rescale, error
        case axisCodes = "axis_codes", transferSyntaxes = "transfer_syntaxes", errorKind = "error_kind"
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(directory, forKey: .directory)
        try c.encode(files, forKey: .files)
        try c.encode(slices, forKey: .slices)
        try c.encode(shape, forKey: .shape)
        try c.encode(spacing, forKey: .spacing)
        try c.encode(axisCodes, forKey: .axisCodes)
        try c.encode(transferSyntaxes, forKey: .transferSyntaxes)
        try c.encode(modality, forKey: .modality)
        try c.encode(rescale, forKey: .rescale)
        try c.encode(error, forKey: .error)
        try c.encode(errorKind, forKey: .errorKind)
    }

    /// The listing of series case `id` assembled from `group` (`series` or the error that stops it); `root` is
    /// the directory paths are shown relative to.
    package init(id: String, group: DICOMSeriesGroup, series: Result<DICOMSeries, MedPrepError>, root: String) {
        self.id = id
        let relative = DICOMCaseNaming.relative(group.directory, to: root)
        directory = relative.isEmpty ? "." : relative
        files = group.paths.count
        slices = group.frames.count
        var seen = Set<TransferSyntax>()
        transferSyntaxes = group.frames.map { TransferSyntax(uid: $0.header.transferSyntaxUID, name: $0.header.transferSyntaxName) }
            .filter { seen.insert($0).inserted }.sorted { $0.uid < $1.uid }
        let modalities = Set(group.frames.compactMap(\.header.modality)).sorted()
        modality = modalities.isEmpty ? nil : modalities.joined(separator: ", ")
        let slopes = group.frames.map(\.slope), intercepts = group.frames.map(\.intercept)
        rescale = Rescale(slope: [slopes.min()!, slopes.max()!], intercept: [intercepts.min()!, intercepts.max()!],
                          perSlice: Set(slopes).count > 1 || Set(intercepts).count > 1)
        switch series {
        case .success(let series):
            shape = [series.samplesPerPixel, series.slices.count, series.rows, series.columns]
            spacing = series.spacing
            axisCodes = AxisCodes(affine: series.affine)?.description
            let first = group.first
            for syntax in transferSyntaxes {
                do {
                    try DICOMTransferSyntax.require(syntax.uid, name: syntax.name, path: first.path)
                } catch let failure as MedPrepError {
                    error = failure.description
                    errorKind = failure.kind.rawValue
                    break
                } catch {
                    self.error = "\(error)"
                }
            }
        case .failure(let failure):
            error = failure.description
            errorKind = failure.kind.rawValue
        }
    }

    /// The block `medprep inspect` prints for the series.
    package var text: String {
        var lines = ["  series \(id)",
                     "    directory  \(directory)",
                     "    slices     \(slices) (\(files) file\(files == 1 ? "" : "s"))"]
        if let shape { lines.append("    shape      \(shape) [C, D, H, W]") }
        if let spacing { lines.append("    spacing    \(spacing)") }
        if let axisCodes { lines.append("    axes       \(axisCodes)") }
        let syntaxes = transferSyntaxes.map { "\($0.uid) (\($0.name.isEmpty ? "unknown" : $0.name))" }
        lines.append("    syntax     \(syntaxes.joined(separator: ", "))")
        lines.append("    modality   \(modality ?? "–")")
        lines.append("    rescale    " + (rescale.perSlice
            ? "per slice: slope \(Self.range(rescale.slope)), intercept \(Self.range(rescale.intercept))"
            : "slope \(rescale.slope[0]), intercept \(rescale.intercept[0])"))
        if let error { lines.append("    error      \(error)") }
        return lines.joined(separator: "\n")
    }

    static func range(_ bounds: [Double]) -> String {
        bounds[0] == bounds[1] ? "\(bounds[0])" : "\(bounds[0])…\(bounds[1])"
    }
}

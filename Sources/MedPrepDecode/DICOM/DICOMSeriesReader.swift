import MedPrepCore

/// Decodes an assembled series (`DICOMSeries`) into one float32 volume of shape C × D × H × W =
/// Samples × slices × Rows × Columns, in `DICOMGeometry`'s voxel order: voxel (i, j, k) is column i, row
/// Rows−1−j of `slices[k]`, with value `slope_k · v + intercept_k` (v the stored sample, masked, sign-extended and
/// MONOCHROME1-inverted exactly as `DICOMReader` does for one object) and the affine from `DICOMGeometry.geometry`.
///
/// A slice whose RescaleSlope is 0 or whose rescale is not finite fails the series (`malformed`), as in `DICOMReader`.
/// Memory: the volume is checked against the voxel cap before it is allocated (from the worker's `ScratchArrays`);
/// then one object is open and one frame buffer, reused from file to file, held at a time. Every slice must have
/// the series' Rows, Columns and samples and a pixel layout that decodes (`DICOMObject.pixelLayout`), else the case
/// fails naming the file.
package enum DICOMSeriesReader {
    package static func read(_ series: DICOMSeries, limits: DecodeLimits) throws -> Scan {
        let depth = series.slices.count
        if let bad = series.slices.first(where: { $0.slope == 0 || !$0.slope.isFinite || !$0.intercept.isFinite }) {
            throw MedPrepError(.malformed, path: bad.path,
                reason: "RescaleSlope \(bad.slope), RescaleIntercept \(bad.intercept): a slope of 0 or a non-finite value " +
                    "would erase the slice; fix the file's rescale attributes")
        }
        let count = try limits.checkedElementCount([series.samplesPerPixel, depth, series.rows, series.columns],
                                                   path: series.directory)
        let shape = TensorShape(c: series.samplesPerPixel, d: depth, h: series.rows, w: series.columns)
        // Every voxel is written below (each slice k once, all its rows and columns), so a reused worker buffer
        // with unspecified contents will do.
        var storage = try ScratchArrays.floats(count: count, path: series.directory)
        var frameBuffer = [UInt8]()
        var table: DICOMRescaleTable?
        var dataType = "", bitsStored = 0
        let byPath = Dictionary(grouping: series.slices.indices, by: { series.slices[$0].path })
        for path in byPath.keys.sorted() {
            let object = try DICOMObject(path: path, limits: limits)
            let layout = try object.pixelLayout()
            guard layout.rows == series.rows, layout.columns == series.columns, layout.samples == series.samplesPerPixel else {
                throw MedPrepError(.shapeMismatch, path: path,
                    reason: "the file now holds \(layout.rows)×\(layout.columns)×\(layout.samples) samples, the series " +
                        "\(series.rows)×\(series.columns)×\(series.samplesPerPixel); the file changed after discovery: run again")
            }
            dataType = layout.dataType
            bitsStored = max(bitsStored, layout.bitsStored)
            let bytesPerFrame = layout.rows * layout.columns * layout.samples * layout.bitsAllocated / 8
            let frameSize = object.frameSize
            guard frameSize >= UInt64(bytesPerFrame), frameSize <= UInt64(bytesPerFrame) + 2 else {
                throw MedPrepError(.malformed, path: path,
                    reason: "DCMTK's frame size \(frameSize) disagrees with \(bytesPerFrame) bytes from the attributes (\(object.lastError))")
            }
            if object.image.encapsulated == 0 {
                let needed = UInt64(bytesPerFrame) * UInt64(layout.frames)
                guard object.image.pixel_data_length >= needed else {
                    throw MedPrepError(.malformed, path: path,
                        reason: "pixel data holds \(object.image.pixel_data_length) bytes, but \(layout.frames) frame(s) need \(needed)")
                }
            }
            // The converter writes slice k of a C × D × H × W tensor: give it the series' depth.
            var volumeLayout = layout
            volumeLayout.frames = depth
            let converter = DICOMSampleConverter(layout: volumeLayout)
            if frameBuffer.count != Int(frameSize) { frameBuffer = [UInt8](repeating: 0, count: Int(frameSize)) }
            for k in byPath[path] ?? [] {
                let slice = series.slices[k]
                guard slice.frame < layout.frames else {
                    throw MedPrepError(.malformed, path: path, reason: "frame \(slice.frame + 1) is past NumberOfFrames \(layout.frames)")
                }
                let model = try frameBuffer.withUnsafeMutableBytes { try object.decode(frame: slice.frame, layout: layout, into: $0) }
                if layout.samples == 3 && model != "RGB" {
                    throw MedPrepError(.unsupported, path: path,
                        reason: "frame \(slice.frame + 1) decodes to colour model '\(model)', not RGB; convert the file to RGB first")
                }
                let planar = object.image.encapsulated == 0 ? layout.planar : false
                table = DICOMRescaleTable.reuse(table, converter, slope: slice.slope, intercept: slice.intercept)
                storage.withUnsafeMutableBufferPointer { output in
                    frameBuffer.withUnsafeBytes { input in
                        converter.convert(input, into: output, slice: k, planar: planar, flipRows: true,
                                          slope: slice.slope, intercept: slice.intercept, table: table)
                    }
                }
            }
        }
        let slopes = Set(series.slices.map(\.slope)), intercepts = Set(series.slices.map(\.intercept))
        let scaling = slopes.count == 1 && intercepts.count == 1 && (slopes.first != 1 || intercepts.first != 0)
            ? IntensityScaling(slope: slopes.first!, intercept: intercepts.first!) : nil
        let header = ScanHeader(format: .dicom, dataType: dataType, bitsPerSample: bitsStored, scaling: scaling)
        let geometry = DICOMGeometry.geometry(orientation: series.orientation, firstPosition: series.slices[0].position,
                                              pixelSpacing: [series.spacing[1], series.spacing[0]],
                                              sliceStep: series.sliceStep, rows: series.rows)
        return Scan(path: series.slices[0].path, header: header, tensor: Tensor(shape: shape, storage: storage),
                    geometry: geometry)
    }
}

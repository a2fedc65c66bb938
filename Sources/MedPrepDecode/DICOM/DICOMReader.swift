import MedPrepCore

/// Decodes one DICOM object into a `Scan`: a single-frame object is a slice (D = 1), a multi-frame object a volume
/// (D = frames, ordered along the slice normal), RGB gives C = 3.
///
/// Values are float32 `slope_f · v + intercept_f`, with v the stored sample masked to BitsStored and sign-extended
/// (`DICOMPixelLayout`), and RescaleSlope/Intercept taken per frame (per-frame functional groups, then shared,
/// then top level; 1 and 0 when absent). MONOCHROME1 (low values displayed bright) is inverted before rescaling,
/// within the stored range — `v' = lo + hi − v` with `lo…hi` the range of BitsStored — so that, as for MONOCHROME2,
/// higher values are brighter; the inversion is the same for every file of a bit depth, so intensities stay
/// comparable across a dataset. The voxel order and affine are `DICOMGeometry`'s (`DICOMFrameGeometry`).
///
/// Sizes are checked before any allocation: Frames × Samples × Rows × Columns against the voxel cap, native pixel
/// data against the bytes it must hold, encapsulated pixel data against one fragment per frame at least.
package enum DICOMReader {
    package static func read(path: String, limits: DecodeLimits) throws -> Scan {
        let object = try DICOMObject(path: path)
        let layout = try object.pixelLayout()
        let count = try limits.checkedElementCount([layout.frames, layout.samples, layout.rows, layout.columns],
                                                   path: path)
        let pixelsPerFrame = layout.rows * layout.columns
        let bytesPerFrame = pixelsPerFrame * layout.samples * layout.bitsAllocated / 8
        if object.image.encapsulated == 0 {
            let needed = UInt64(bytesPerFrame) * UInt64(layout.frames)
            guard object.image.pixel_data_length >= needed else {
                throw MedPrepError(.malformed, path: path,
                    reason: "pixel data holds \(object.image.pixel_data_length) bytes, but \(layout.frames) frame(s) of " +
                        "\(layout.rows)×\(layout.columns)×\(layout.samples) samples of \(layout.bitsAllocated) bits need \(needed)")
            }
        } else {
            let fragments = object.fragmentCount
            guard fragments >= layout.frames else {
                throw MedPrepError(.malformed, path: path,
                    reason: "NumberOfFrames is \(layout.frames) but the compressed pixel data has \(max(fragments, 0)) fragment(s)")
            }
        }
        let frameSize = object.frameSize
        guard frameSize >= UInt64(bytesPerFrame), frameSize <= UInt64(bytesPerFrame) + 2 else {
            throw MedPrepError(.malformed, path: path,
                reason: "DCMTK's frame size \(frameSize) disagrees with \(bytesPerFrame) bytes from the attributes (\(object.lastError))")
        }
        let (geometry, flipRows, sliceOfFrame) = try DICOMFrameGeometry.make(object, layout: layout)
        var slopes = [Double](), intercepts = [Double]()
        for frame in 0 ..< layout.frames {
            let slope = object.numbers(0x0028, 0x1053, frame: frame, in: DICOMFrameGeometry.valueTransformation).first ?? 1
            let intercept = object.numbers(0x0028, 0x1052, frame: frame, in: DICOMFrameGeometry.valueTransformation).first ?? 0
            guard slope != 0, slope.isFinite, intercept.isFinite else {
                throw MedPrepError(.malformed, path: path, reason: "frame \(frame + 1) has RescaleSlope \(slope), RescaleIntercept \(intercept)")
            }
            slopes.append(slope)
            intercepts.append(intercept)
        }

        let shape = TensorShape(c: layout.samples, d: layout.frames, h: layout.rows, w: layout.columns)
        var storage = [Float](repeating: 0, count: count)
        var frameBuffer = [UInt8](repeating: 0, count: Int(frameSize))
        let converter = DICOMSampleConverter(layout: layout)
        for frame in 0 ..< layout.frames {
            let model = try frameBuffer.withUnsafeMutableBytes { try object.decode(frame: frame, into: $0) }
            if layout.samples == 3 && model != "RGB" {
                throw MedPrepError(.unsupported, path: path,
                    reason: "frame \(frame + 1) decodes to colour model '\(model)', not RGB; convert the file to RGB first")
            }
            let planar = object.image.encapsulated == 0 ? layout.planar : false
            let slice = sliceOfFrame[frame]
            storage.withUnsafeMutableBufferPointer { output in
                frameBuffer.withUnsafeBytes { input in
                    converter.convert(input, into: output, slice: slice, planar: planar, flipRows: flipRows,
                                      slope: slopes[frame], intercept: intercepts[frame])
                }
            }
        }
        let uniform = Set(slopes).count == 1 && Set(intercepts).count == 1
        let scaling = uniform && (slopes[0] != 1 || intercepts[0] != 0)
            ? IntensityScaling(slope: slopes[0], intercept: intercepts[0]) : nil
        let header = ScanHeader(format: .dicom, dataType: layout.dataType, bitsPerSample: layout.bitsStored,
                                scaling: scaling)
        return Scan(path: path, header: header, tensor: Tensor(shape: shape, storage: storage), geometry: geometry)
    }
}

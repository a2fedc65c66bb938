import MedPrepCore

/// The geometry of one DICOM object's frames, from its raw tags (per-frame functional groups first).
struct DICOMFrameGeometry {
    /// (0020,9113) PlanePositionSequence, (0020,9116) PlaneOrientationSequence, (0028,9110) PixelMeasuresSequence,
    /// (0028,9145) PixelValueTransformationSequence.
    static let planePosition: (UInt16, UInt16) = (0x0020, 0x9113)
    static let planeOrientation: (UInt16, UInt16) = (0x0020, 0x9116)
    static let pixelMeasures: (UInt16, UInt16) = (0x0028, 0x9110)
    static let valueTransformation: (UInt16, UInt16) = (0x0028, 0x9145)

    /// The scan geometry and, for each stored frame, its slice index k.
    ///
    /// - IOP, IPP and PixelSpacing all present: `DICOMGeometry`'s voxel order. One frame: Δs from
    ///   `DICOMGeometry.singleSliceStep`. Several frames: every frame needs a position and the same orientation, and the positions
    ///   must step evenly along n (within 1e-3 relative, and no drift across n), else `.unsupported`; frames
    ///   stored in descending n·IPP are reversed so that k ascends.
    /// - Otherwise (secondary captures, a multi-frame object without per-frame positions): no world frame,
    ///   `.pixel` geometry with spacing [Δc, Δr, 1] from PixelSpacing, else ImagerPixelSpacing (0018,1164: the
    ///   detector spacing of a CR/DX radiograph, as ITK/GDCM fall back to it), else 1; rows stay in stored order,
    ///   like PNG.
    static func make(_ object: DICOMObject, layout: DICOMPixelLayout) throws -> (geometry: ScanGeometry, flipRows: Bool, order: [Int]) {
        let frames = layout.frames
        let spacing = object.numbers(0x0028, 0x0030, frame: 0, in: pixelMeasures)
        let orientation = object.numbers(0x0020, 0x0037, frame: 0, in: planeOrientation)
        let positions = (0 ..< frames).map { object.numbers(0x0020, 0x0032, frame: $0, in: planePosition) }
        let identity = Array(0 ..< frames)
        let pixelSpacing = spacing.count == 2 && spacing.allSatisfy({ $0 > 0 && $0.isFinite }) ? spacing : nil
        guard let pixelSpacing, orientation.count == 6, positions.allSatisfy({ $0.count == 3 }),
              frames == 1 || object.perFrameItems >= frames else {
            let imager = object.numbers(0x0018, 0x1164, frame: 0, in: pixelMeasures)
            let inPlane = pixelSpacing
                ?? (imager.count == 2 && imager.allSatisfy({ $0 > 0 && $0.isFinite }) ? imager : [1, 1])
            return (.pixel(spacing: [inPlane[1], inPlane[0], 1]), false, identity)
        }
        if frames == 1 {
            let step = DICOMGeometry.singleSliceStep(
                spacingBetweenSlices: object.numbers(0x0018, 0x0088, frame: 0, in: pixelMeasures).first,
                sliceThickness: object.numbers(0x0018, 0x0050, frame: 0, in: pixelMeasures).first)
            return (DICOMGeometry.geometry(orientation: orientation, firstPosition: positions[0],
                                           pixelSpacing: pixelSpacing, sliceStep: step, rows: layout.rows), true, identity)
        }
        for frame in 1 ..< frames where object.numbers(0x0020, 0x0037, frame: frame, in: planeOrientation)
            .enumerated().contains(where: { abs($0.element - orientation[$0.offset]) > 1e-4 }) {
            throw MedPrepError(.unsupported, path: object.path,
                reason: "frame \(frame + 1) has another ImageOrientationPatient than frame 1; medprep reads a multi-frame object as one volume")
        }
        let normal = DICOMGeometry.sliceNormal(orientation: orientation)
        let projections = positions.map { zip($0, normal).map(*).reduce(0, +) }
        let order = identity.sorted { projections[$0] < projections[$1] }
        let sorted = order.map { projections[$0] }
        let step = (sorted[frames - 1] - sorted[0]) / Double(frames - 1)
        let tolerance = max(1e-3, 1e-3 * abs(step))
        for index in 1 ..< frames {
            let gap = sorted[index] - sorted[index - 1]
            let inPlane = zip(positions[order[index]], positions[order[0]]).map(-)
            let drift = zip(inPlane, normal).map { $0 - Double(index) * step * $1 }.map(abs).max() ?? 0
            guard step > 0, abs(gap - step) <= tolerance, drift <= max(1e-2, 1e-3 * abs(step) * Double(index)) else {
                throw MedPrepError(.unsupported, path: object.path,
                    reason: "the \(frames) frames' positions are not evenly spaced along the slice normal " +
                        "(step \(gap) mm between sorted frames \(index) and \(index + 1), mean \(step) mm); " +
                        "medprep reads a multi-frame object only as one evenly spaced volume")
            }
        }
        // order[k] is the stored frame at slice k; the inverse maps a stored frame to its slice.
        var sliceOfFrame = identity
        for (slice, frame) in order.enumerated() { sliceOfFrame[frame] = slice }
        return (DICOMGeometry.geometry(orientation: orientation, firstPosition: positions[order[0]],
                                       pixelSpacing: pixelSpacing, sliceStep: step, rows: layout.rows),
                true, sliceOfFrame)
    }
}

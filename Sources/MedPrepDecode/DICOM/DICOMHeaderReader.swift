import MedPrepCore

/// Reads one DICOM file's header into a `DICOMSliceHeader` for series assembly, decoding no pixel data.
///
/// Every value comes from the raw tags: geometry and rescale per frame from the per-frame functional groups, then
/// the shared groups, then top level (`DICOMFrameGeometry`'s sequences), as `DICOMReader` reads them. Only the frames
/// that have a per-frame item are given a position (a multi-frame object that declares more frames than items gets
/// fewer positions, and series assembly reports it), so a hostile NumberOfFrames costs no work.
/// The SOP Class UID falls back to the meta header's MediaStorageSOPClassUID (0002,0002): a DICOMDIR has only that.
package enum DICOMHeaderReader {
    package static func read(path: String) throws -> DICOMSliceHeader {
        let object = try DICOMObject(path: path)
        let image = object.image
        func integer(_ group: UInt16, _ element: UInt16) -> Int? {
            object.numbers(group, element, capacity: 1).first.flatMap { $0.isFinite && abs($0) < 1e15 ? Int($0) : nil }
        }
        let frames = max(1, Int(clamping: image.number_of_frames))
        let described = frames == 1 ? 1 : min(frames, object.perFrameItems)
        let positions = (0 ..< described).map {
            object.numbers(0x0020, 0x0032, frame: $0, in: DICOMFrameGeometry.planePosition, capacity: 3)
        }
        let slopes = (0 ..< described).map {
            object.numbers(0x0028, 0x1053, frame: $0, in: DICOMFrameGeometry.valueTransformation, capacity: 1).first ?? 1
        }
        let intercepts = (0 ..< described).map {
            object.numbers(0x0028, 0x1052, frame: $0, in: DICOMFrameGeometry.valueTransformation, capacity: 1).first ?? 0
        }
        let orientation = object.numbers(0x0020, 0x0037, frame: 0, in: DICOMFrameGeometry.planeOrientation, capacity: 6)
        let spacing = object.numbers(0x0028, 0x0030, frame: 0, in: DICOMFrameGeometry.pixelMeasures, capacity: 2)
        return DICOMSliceHeader(
            path: path, sopClassUID: object.string(0x0008, 0x0016) ?? object.string(0x0002, 0x0002) ?? "",
            seriesInstanceUID: object.string(0x0020, 0x000E) ?? "", studyInstanceUID: object.string(0x0020, 0x000D) ?? "",
            patientID: object.string(0x0010, 0x0020), studyDate: object.string(0x0008, 0x0020),
            seriesNumber: integer(0x0020, 0x0011), seriesDescription: object.string(0x0008, 0x103E),
            modality: object.string(0x0008, 0x0060), acquisitionNumber: integer(0x0020, 0x0012),
            instanceNumber: integer(0x0020, 0x0013), temporalPositionIdentifier: integer(0x0020, 0x0100),
            echoNumber: integer(0x0018, 0x0086), rows: Int(image.rows), columns: Int(image.columns),
            samplesPerPixel: Int(image.samples_per_pixel), numberOfFrames: frames,
            imageOrientation: orientation.count == 6 ? orientation : nil,
            imagePositions: positions.allSatisfy(\.isEmpty) ? [] : positions,
            pixelSpacing: spacing.count == 2 ? spacing : nil,
            sliceThickness: object.numbers(0x0018, 0x0050, frame: 0, in: DICOMFrameGeometry.pixelMeasures, capacity: 1).first,
            spacingBetweenSlices: object.numbers(0x0018, 0x0088, frame: 0, in: DICOMFrameGeometry.pixelMeasures,
                                                 capacity: 1).first,
            rescaleSlopes: slopes, rescaleIntercepts: intercepts, transferSyntaxUID: object.transferSyntax,
            transferSyntaxName: object.transferSyntaxName)
    }

    /// Whether `path` is read as DICOM: its name has a DICOM suffix, or (no other format claims its name) its
    /// leading bytes carry `DICM` after the preamble.
    package static func isDICOM(path: String) -> Bool {
        (try? ScanReader.format(of: path)) is DICOMFormat
    }

    /// Whether discovery looks into a file named `name` for DICOM (`isDICOM`): false when the name ends with a
    /// suffix of another format (`.nii.gz`, `.nii`, `.hdr`, `.img`, `.png`, `.tif`…, compared case-insensitively),
    /// so that a tree of such files is classified by name alone, without opening each file; true for a DICOM
    /// suffix or a name no format claims (`IM0001`). A DICOM file under another format's name is refused when it is
    /// read as a case (`misnamed(path:format:)`), never taken silently as a lone slice.
    package static func mayBeDICOM(name: String) -> Bool {
        let lowered = name.lowercased()
        return !otherFormatSuffixes.contains { lowered.hasSuffix($0) }
    }

    /// The error for `path` when it was read as DICOM (`format`, from `ScanReader.format(of:)`: `DICM` after the
    /// preamble) although its name is another format's, so that discovery did not group it into its series; nil
    /// for any other file.
    package static func misnamed(path: String, format: any ScanFileFormat) -> MedPrepError? {
        guard format is DICOMFormat, !mayBeDICOM(name: path) else { return nil }
        return MedPrepError(.unknownFormat, path: path, reason: "holds DICOM (DICM after the preamble) but is named as "
            + "another format (\(otherFormatSuffixes.filter { path.lowercased().hasSuffix($0) }.joined(separator: ", "))), "
            + "so it was not grouped into a DICOM series: rename it to .dcm (or without an extension)")
    }

    /// The lower-case suffixes of every format other than DICOM, own and companion.
    static let otherFormatSuffixes = ScanFileFormats.all.filter { !($0 is DICOMFormat) }
        .flatMap { $0.suffixes + $0.companionSuffixes }
}

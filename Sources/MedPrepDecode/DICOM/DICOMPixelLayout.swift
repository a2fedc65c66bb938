import MedPrepCore

/// The validated pixel attributes of one DICOM object: what its frames hold and how a stored sample becomes a value.
///
/// A stored sample of `bitsAllocated` bits carries `bitsStored` bits ending at `highBit`; bits outside them are
/// garbage (overlays, padding) and are masked: `v = (raw >> (highBit + 1 − bitsStored)) & (2^bitsStored − 1)`,
/// then two's complement sign-extended when `signed` (PixelRepresentation 1).
struct DICOMPixelLayout: Equatable {
    var rows: Int
    var columns: Int
    var samples: Int
    var frames: Int
    var bitsAllocated: Int
    var bitsStored: Int
    var highBit: Int
    var signed: Bool
    /// PlanarConfiguration 1 (colour-by-plane) of native data.
    var planar: Bool
    /// MONOCHROME1, MONOCHROME2, RGB, or a YBR model that the JPEG decoder turns into RGB.
    var photometric: String

    /// The stored value range of `bitsStored` bits: `0…2^b−1`, or `−2^(b−1)…2^(b−1)−1` when signed.
    var storedRange: ClosedRange<Double> {
        let b = Double(bitsStored)
        return signed ? -pow2(b - 1) ... pow2(b - 1) - 1 : 0 ... pow2(b) - 1
    }

    private func pow2(_ exponent: Double) -> Double { Double(sign: .plus, exponent: Int(exponent), significand: 1) }

    /// numpy's name for the stored sample type (`uint16`, `int16`, `rgb24` for 8-bit RGB).
    var dataType: String {
        if samples == 3 && bitsAllocated == 8 { return "rgb24" }
        return (signed ? "int" : "uint") + String(bitsAllocated)
    }
}

extension DICOMObject {
    /// The object's pixel layout, refusing objects without pixel data and attributes medprep does not decode.
    func pixelLayout() throws -> DICOMPixelLayout {
        let image = image
        guard image.has_pixel_data != 0 else {
            let sopClass = string(0x0008, 0x0016).map { " (SOP Class \($0))" } ?? ""
            throw MedPrepError(.unsupported, path: path,
                reason: "DICOM object\(sopClass) has no pixel data: not an image (structured reports, RT structures " +
                    "and presentation states are not scans); exclude it from the inputs")
        }
        try DICOMTransferSyntax.require(transferSyntax, name: transferSyntaxName, path: path)
        let layout = DICOMPixelLayout(
            rows: Int(image.rows), columns: Int(image.columns), samples: Int(image.samples_per_pixel),
            frames: Int(image.number_of_frames), bitsAllocated: Int(image.bits_allocated),
            bitsStored: Int(image.bits_stored), highBit: Int(image.high_bit), signed: image.pixel_representation == 1,
            planar: image.planar_configuration == 1, photometric: photometric)
        func refuse(_ kind: MedPrepError.Kind, _ reason: String) -> MedPrepError {
            MedPrepError(kind, path: path, reason: reason)
        }
        guard layout.rows > 0, layout.columns > 0 else {
            throw refuse(.malformed, "Rows \(layout.rows) × Columns \(layout.columns) is empty")
        }
        guard layout.frames > 0 else {
            throw refuse(.malformed, "NumberOfFrames is \(image.number_of_frames < 0 ? "not a number" : "0")")
        }
        guard [8, 16, 32].contains(layout.bitsAllocated) else {
            throw refuse(.unsupported, "BitsAllocated \(layout.bitsAllocated) is not decoded (only 8, 16 and 32)")
        }
        guard layout.bitsStored > 0, layout.bitsStored <= layout.bitsAllocated,
              layout.highBit >= layout.bitsStored - 1, layout.highBit < layout.bitsAllocated else {
            throw refuse(.malformed,
                "BitsStored \(layout.bitsStored) / HighBit \(layout.highBit) do not fit BitsAllocated \(layout.bitsAllocated)")
        }
        switch (layout.samples, layout.photometric) {
        case (1, "MONOCHROME1"), (1, "MONOCHROME2"), (3, "RGB"):
            break
        case (3, let model) where model.hasPrefix("YBR") && image.encapsulated != 0:
            break  // the JPEG decoder converts to RGB; decoding checks the model it reports
        default:
            throw refuse(.unsupported,
                "SamplesPerPixel \(layout.samples) with PhotometricInterpretation '\(layout.photometric)' is not decoded " +
                    "(MONOCHROME1, MONOCHROME2 and RGB are; YBR only when JPEG-compressed); convert it to RGB first")
        }
        return layout
    }
}

import MedPrepCore

/// The transfer syntaxes medprep decodes and who decodes each frame; any other is refused with `.unsupported`,
/// naming it.
///
/// DCMTK parses every dataset. Frames are decoded by DCMTK (native data, JPEG, JPEG-LS), or from the frame's
/// fragments by medprep's own codecs (`MedPrepCodecs`): RLE Lossless by `RLELosslessDecoder` — DCMTK 3.6.7's RLE
/// decoder crashes on damaged data (`Tests/MedPrepDecodeTests/Fixtures/dicom-hostile/rle_segv.dcm`, found by
/// `make fuzz`) — and JPEG 2000 by `JPEG2000Decoder` (OpenJPEG; the free DCMTK has none). A Deflated Explicit VR
/// Little Endian dataset is inflated by the shim, bounded, before DCMTK parses it from memory
/// (`dicom-hostile/deflate_oom.dcm`: inside DCMTK's own inflate stream a declared length cost over 2 GB).
package enum DICOMTransferSyntax {
    /// Who turns a frame's stored bytes into samples.
    package enum FrameDecoder: Sendable {
        /// DCMTK's `getUncompressedFrame` (native data and its registered JPEG/JPEG-LS codecs).
        case dcmtk
        /// `RLELosslessDecoder` on the frame's fragment.
        case rle
        /// `JPEG2000Decoder` on the frame's fragments.
        case jpeg2000
    }

    /// UID → name and frame decoder, for the syntaxes decoded.
    package static let supported: [String: (name: String, decoder: FrameDecoder)] = [
        "1.2.840.10008.1.2": ("Implicit VR Little Endian", .dcmtk),
        "1.2.840.10008.1.2.1": ("Explicit VR Little Endian", .dcmtk),
        "1.2.840.10008.1.2.1.99": ("Deflated Explicit VR Little Endian", .dcmtk),
        "1.2.840.10008.1.2.2": ("Explicit VR Big Endian", .dcmtk),
        "1.2.840.10008.1.2.4.50": ("JPEG Baseline (Process 1)", .dcmtk),
        "1.2.840.10008.1.2.4.51": ("JPEG Extended (Process 2 & 4)", .dcmtk),
        "1.2.840.10008.1.2.4.57": ("JPEG Lossless, Non-Hierarchical (Process 14)", .dcmtk),
        "1.2.840.10008.1.2.4.70": ("JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)", .dcmtk),
        "1.2.840.10008.1.2.4.80": ("JPEG-LS Lossless", .dcmtk),
        "1.2.840.10008.1.2.4.81": ("JPEG-LS Lossy (Near-Lossless)", .dcmtk),
        "1.2.840.10008.1.2.4.90": ("JPEG 2000 Image Compression (Lossless Only)", .jpeg2000),
        "1.2.840.10008.1.2.4.91": ("JPEG 2000 Image Compression", .jpeg2000),
        "1.2.840.10008.1.2.5": ("RLE Lossless", .rle),
    ]

    /// The frame decoder of `uid` (DCMTK for a syntax not listed; `require` refuses those first).
    package static func decoder(of uid: String) -> FrameDecoder { supported[uid]?.decoder ?? .dcmtk }

    /// Throws `.unsupported` unless `uid` is decoded; `name` is DCMTK's name for it.
    package static func require(_ uid: String, name: String, path: String) throws {
        guard supported[uid] == nil else { return }
        let known = name.isEmpty || name.hasPrefix("Unknown") ? "an unknown transfer syntax" : name
        throw MedPrepError(.unsupported, path: path,
            reason: "transfer syntax \(uid) (\(known)) is not decoded; " +
                "convert the file to an uncompressed, JPEG-lossless or JPEG 2000 syntax first (for example " +
                "`gdcmconv --raw` or `dcmconv +te`) or convert the series with dcm2niix")
    }
}

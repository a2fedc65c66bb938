import MedPrepCore

/// The transfer syntaxes medprep decodes (through DCMTK); any other is refused with `.unsupported`, naming it.
///
/// JPEG 2000 (`1.2.840.10008.1.2.4.90`/`.91`, and HTJ2K) is not among them: the free DCMTK has no decoder for it.
/// Nor is RLE Lossless (`1.2.840.10008.1.2.5`): DCMTK 3.6.7's RLE decoder crashes (SEGV in
/// `DcmRLEDecoder::decompress`) on a one-bit change of a valid file, found by `make fuzz`
/// (`Tests/MedPrepDecodeTests/Fixtures/dicom-hostile/rle_segv.dcm`); medprep refuses it until it has a decoder of its own.
/// Nor is Deflated Explicit VR Little Endian (`1.2.840.10008.1.2.1.99`): inside a deflated stream DCMTK cannot check
/// an element's declared length against the bytes left, and allocates it (4.7 KB file → over 2 GB,
/// `Tests/MedPrepDecodeTests/Fixtures/dicom-hostile/deflate_oom.dcm`, found by `make fuzz`).
package enum DICOMTransferSyntax {
    /// UID → name, for the syntaxes decoded.
    package static let supported: [String: String] = [
        "1.2.840.10008.1.2": "Implicit VR Little Endian",
        "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
        "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
        "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
        "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 & 4)",
        "1.2.840.10008.1.2.4.57": "JPEG Lossless, Non-Hierarchical (Process 14)",
        "1.2.840.10008.1.2.4.70": "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)",
        "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81": "JPEG-LS Lossy (Near-Lossless)",
    ]

    /// Syntaxes DCMTK can decode but medprep refuses, because DCMTK is not safe on damaged files of them.
    static let refusedForSafety: [String: String] = [
        "1.2.840.10008.1.2.5": "DCMTK 3.6.7's RLE decoder is not safe on damaged files",
        "1.2.840.10008.1.2.1.99": "DCMTK allocates the declared length of elements inside a deflated stream",
    ]

    /// Throws `.unsupported` unless `uid` is decoded; `name` is DCMTK's name for it.
    package static func require(_ uid: String, name: String, path: String) throws {
        guard supported[uid] == nil else { return }
        let known = name.isEmpty || name.hasPrefix("Unknown") ? "an unknown transfer syntax" : name
        let why = Self.refusedForSafety[uid] ?? "DCMTK's free version has no JPEG 2000 decoder"
        throw MedPrepError(.unsupported, path: path,
            reason: "transfer syntax \(uid) (\(known)) is not decoded (\(why)); " +
                "convert the file to an uncompressed or JPEG-lossless syntax first (for example `gdcmconv --raw` or " +
                "`dcmdjpeg`/`dcmconv +te`) or convert the series with dcm2niix")
    }
}

import CDICOMShim
import MedPrepCodecs
import MedPrepCore

/// One DICOM file opened through DCMTK (`CDICOMShim`): its header is loaded, pixel data stays in the file until a
/// frame is decoded. Not shared between threads.
final class DICOMObject {
    let path: String
    private let handle: OpaquePointer
    /// The raw image attributes.
    let image: mp_dicom_image

    /// Bytes a deflated dataset may inflate to beyond the voxel cap's pixel data (4 bytes a sample at most).
    static let inflatedHeaderAllowance: UInt64 = 16 << 20

    /// Loads the header, throwing `.truncated` or `.malformed` with DCMTK's reason when it cannot be parsed, and
    /// `.unsupported` before DCMTK reads the dataset when the meta header names a syntax medprep does not decode.
    /// A deflated dataset may inflate to 4 · `limits.maxVoxels` bytes plus `inflatedHeaderAllowance`, no more.
    init(path: String, limits: DecodeLimits = .default) throws {
        self.path = path
        var uid = [CChar](repeating: 0, count: 68), name = [CChar](repeating: 0, count: 96)
        if mp_dicom_meta_transfer_syntax(path, &uid, uid.count, &name, name.count) == 0 {
            let string = { (c: [CChar]) in String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            try DICOMTransferSyntax.require(string(uid), name: string(name), path: path)
        }
        let maxInflated = UInt64(max(0, limits.maxVoxels)).multipliedReportingOverflow(by: 4)
        let inflatedCap = maxInflated.overflow ? UInt64.max : maxInflated.partialValue &+ Self.inflatedHeaderAllowance
        guard let handle = mp_dicom_open(path, inflatedCap) else {
            throw MedPrepError(.tooLarge, path: path, reason: "out of memory opening the DICOM file")
        }
        self.handle = handle
        let error = String(cString: mp_dicom_error(handle))
        guard error.isEmpty else {
            let fromChecks = mp_dicom_error_from_checks(handle) != 0
            mp_dicom_close(handle)
            let lowered = error.lowercased()
            if lowered.contains("inflates beyond") || lowered.contains("larger than the inflated size") {
                throw MedPrepError(.tooLarge, path: path,
                    reason: "\(error); the file is damaged or a decompression bomb (raise the cap with --max-voxels if it is genuine)")
            }
            let truncated = lowered.contains("end of stream") || lowered.contains("remaining bytes")
                || lowered.contains("premature") || lowered.contains("ends before") || lowered.contains("ends inside")
            let source = fromChecks
                ? "the deflated DICOM dataset is inconsistent" : "DCMTK cannot parse the DICOM file"
            throw MedPrepError(truncated ? .truncated : .malformed, path: path,
                reason: "\(source) (\(error)); the file is damaged or incomplete: copy it again")
        }
        var image = mp_dicom_image()
        guard mp_dicom_image_info(handle, &image) == 0 else {
            let reason = String(cString: mp_dicom_error(handle))
            mp_dicom_close(handle)
            throw MedPrepError(.malformed, path: path, reason: "cannot read the image attributes: \(reason)")
        }
        self.image = image
    }

    deinit {
        mp_dicom_close(handle)
    }

    var lastError: String { String(cString: mp_dicom_error(handle)) }

    /// A fixed-size C character array as a Swift string.
    static func text<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    var photometric: String { Self.text(image.photometric) }
    var transferSyntax: String { Self.text(image.transfer_syntax) }
    var transferSyntaxName: String { Self.text(image.transfer_syntax_name) }

    /// A top-level string attribute, trimmed; nil when absent or empty.
    func string(_ group: UInt16, _ element: UInt16) -> String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        guard mp_dicom_string(handle, group, element, &buffer, buffer.count) == 1 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Up to `capacity` numbers of an attribute, looked up in frame `frame`'s functional group `sequence`, then
    /// the shared functional groups, then at top level (top level only when `frame` or `sequence` is nil).
    func numbers(_ group: UInt16, _ element: UInt16, frame: Int? = nil, in sequence: (UInt16, UInt16)? = nil,
                 capacity: Int = 16) -> [Double] {
        var values = [Double](repeating: 0, count: capacity)
        let count = mp_dicom_numbers(handle, Int64(frame ?? -1), sequence?.0 ?? 0, sequence?.1 ?? 0, group, element,
                                     &values, Int32(capacity))
        return count > 0 ? Array(values.prefix(Int(count))) : []
    }

    /// Items of PerFrameFunctionalGroupsSequence (0 if absent).
    var perFrameItems: Int { Int(mp_dicom_per_frame_items(handle)) }
    /// Compressed fragments of encapsulated pixel data (-1 on error).
    var fragmentCount: Int { Int(mp_dicom_fragment_count(handle)) }
    /// DCMTK's byte size of one decoded frame (0 on error).
    var frameSize: UInt64 { mp_dicom_frame_size(handle) }

    /// Decodes frame `frame` into `buffer` (at least `frameSize` bytes, samples pixel-interleaved in the machine's
    /// byte order); returns the decoded colour model. RLE and JPEG 2000 frames are read as fragments and decoded by
    /// medprep's codecs (`DICOMTransferSyntax.FrameDecoder`), every other by DCMTK.
    func decode(frame: Int, layout: DICOMPixelLayout, into buffer: UnsafeMutableRawBufferPointer) throws -> String {
        switch DICOMTransferSyntax.decoder(of: transferSyntax) {
        case .dcmtk:
            var model = [CChar](repeating: 0, count: 32)
            guard mp_dicom_decode_frame(handle, UInt32(frame), buffer.baseAddress, UInt64(buffer.count), &model) == 0 else {
                throw frameError(frame, lastError)
            }
            return String(decoding: model.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        case .rle:
            let fragment = try compressedFrame(frame, layout: layout)
            do {
                try fragment.withUnsafeBytes { bytes in
                    try RLELosslessDecoder.decode(bytes, pixels: layout.rows * layout.columns, samples: layout.samples,
                                                  bytesPerSample: layout.bitsAllocated / 8, into: buffer)
                }
            } catch let error as RLELosslessDecoder.RLEDecodingError {
                throw frameError(frame, error.description, kind: .malformed)
            }
            return layout.photometric
        case .jpeg2000:
            let codestream = try compressedFrame(frame, layout: layout)
            do {
                try codestream.withUnsafeBytes { bytes in
                    try JPEG2000Decoder.decode(bytes, width: layout.columns, height: layout.rows,
                                               components: layout.samples, bitsStored: layout.bitsStored, signed: layout.signed,
                                               bytesPerSample: layout.bitsAllocated / 8, into: buffer)
                }
            } catch let error as JPEG2000Decoder.JPEG2000DecodingError {
                throw frameError(frame, error.description, kind: .malformed)
            }
            // OpenJPEG undoes the codestream's colour transform (YBR_RCT / YBR_ICT): the samples are RGB.
            return ["YBR_RCT", "YBR_ICT"].contains(layout.photometric) ? "RGB" : layout.photometric
        }
    }

    /// The compressed bytes of `frame` (its fragments concatenated), refused when larger than twice the decoded
    /// frame plus 1 MiB: no codec needs more, and it bounds the copy.
    private func compressedFrame(_ frame: Int, layout: DICOMPixelLayout) throws -> [UInt8] {
        let frames = UInt32(clamping: layout.frames)
        let size = mp_dicom_frame_bytes(handle, UInt32(frame), frames, nil, 0)
        guard size >= 0 else { throw frameError(frame, lastError, kind: .malformed) }
        let decoded = layout.rows * layout.columns * layout.samples * layout.bitsAllocated / 8
        guard size <= 2 * Int64(decoded) + (1 << 20) else {
            throw frameError(frame, "its compressed data holds \(size) bytes, more than twice the \(decoded) bytes it decodes to",
                             kind: .malformed)
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let copied = bytes.withUnsafeMutableBytes { mp_dicom_frame_bytes(handle, UInt32(frame), frames, $0.baseAddress, UInt64($0.count)) }
        guard copied == size else { throw frameError(frame, lastError, kind: .malformed) }
        return bytes
    }

    private func frameError(_ frame: Int, _ reason: String, kind: MedPrepError.Kind = .corrupt) -> MedPrepError {
        MedPrepError(kind, path: path,
            reason: "cannot decode frame \(frame + 1) (\(transferSyntaxName)): \(reason); the pixel data is damaged or incomplete")
    }
}

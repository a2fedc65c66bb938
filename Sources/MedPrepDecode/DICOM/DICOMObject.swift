import CDICOMShim
import MedPrepCore

/// One DICOM file opened through DCMTK (`CDICOMShim`): its header is loaded, pixel data stays in the file until a
/// frame is decoded. Not shared between threads.
final class DICOMObject {
    let path: String
    private let handle: OpaquePointer
    /// The raw image attributes.
    let image: mp_dicom_image

    /// Loads the header, throwing `.truncated` or `.malformed` with DCMTK's reason when it cannot be parsed, and
    /// `.unsupported` before DCMTK reads the dataset when the meta header names a syntax medprep does not decode
    /// (DCMTK is not safe on damaged deflated datasets: `DICOMTransferSyntax.refusedForSafety`).
    init(path: String) throws {
        self.path = path
        var uid = [CChar](repeating: 0, count: 68), name = [CChar](repeating: 0, count: 96)
        if mp_dicom_meta_transfer_syntax(path, &uid, uid.count, &name, name.count) == 0 {
            let string = { (c: [CChar]) in String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            try DICOMTransferSyntax.require(string(uid), name: string(name), path: path)
        }
        guard let handle = mp_dicom_open(path) else {
            throw MedPrepError(.tooLarge, path: path, reason: "out of memory opening the DICOM file")
        }
        self.handle = handle
        let error = String(cString: mp_dicom_error(handle))
        guard error.isEmpty else {
            mp_dicom_close(handle)
            let lowered = error.lowercased()
            let truncated = lowered.contains("end of stream") || lowered.contains("remaining bytes")
                || lowered.contains("premature")
            throw MedPrepError(truncated ? .truncated : .malformed, path: path,
                reason: "DCMTK cannot parse the DICOM file (\(error)); the file is damaged or incomplete: copy it again")
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

    /// Decodes frame `frame` into `buffer`; returns the decoded colour model.
    func decode(frame: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> String {
        var model = [CChar](repeating: 0, count: 32)
        guard mp_dicom_decode_frame(handle, UInt32(frame), buffer.baseAddress, UInt64(buffer.count), &model) == 0 else {
            throw MedPrepError(.corrupt, path: path,
                reason: "cannot decode frame \(frame + 1) (\(transferSyntaxName)): \(lastError); the pixel data is damaged or incomplete")
        }
        return String(decoding: model.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

internal import COpenJPEG

/// JPEG 2000 (a raw codestream or a JP2 file, as held in DICOM fragments) decoded by OpenJPEG through `COpenJPEG`.
///
/// The header is read and checked against what the caller expects — width, height, components and precision — before
/// OpenJPEG allocates any sample; decoding is strict, so a truncated codestream fails rather than decoding to zeros.
/// Samples come out pixel-interleaved as little-endian integers of `bytesPerSample` bytes (two's complement when the
/// codestream is signed), colour transforms (RCT/ICT) undone. OpenJPEG's messages become the error's text.
package enum JPEG2000Decoder {
    /// Why a codestream cannot be decoded.
    package struct JPEG2000DecodingError: Error, Equatable, CustomStringConvertible {
        package var description: String
    }

    /// What a codestream's header declares.
    package struct Header: Equatable, Sendable {
        package var width: Int
        package var height: Int
        package var components: Int
        package var precision: Int
        package var isSigned: Bool
    }

    /// Reads only the header.
    package static func header(of codestream: UnsafeRawBufferPointer) throws(JPEG2000DecodingError) -> Header {
        var info = mp_j2k_info()
        var error = [CChar](repeating: 0, count: 640)
        let status = mp_j2k_read_header(codestream.baseAddress?.assumingMemoryBound(to: UInt8.self), codestream.count,
                                        &info, &error, error.count)
        guard status == 0 else { throw JPEG2000DecodingError(description: text(error)) }
        return Header(width: Int(info.width), height: Int(info.height), components: Int(info.components),
                      precision: Int(info.precision), isSigned: info.is_signed != 0)
    }

    /// Decodes `codestream` into `output` (at least width × height × components × `bytesPerSample` bytes) after
    /// checking that its header declares `width` × `height` pixels of `components` components whose precision fits
    /// `bytesPerSample`; when that precision exceeds `bitsStored`, every sample must fit `bitsStored` bits
    /// (two's complement when `signed`), so that masking to them loses nothing.
    package static func decode(_ codestream: UnsafeRawBufferPointer, width: Int, height: Int, components: Int,
                               bitsStored: Int, signed: Bool, bytesPerSample: Int,
                               into output: UnsafeMutableRawBufferPointer) throws(JPEG2000DecodingError) {
        guard width * height * components * bytesPerSample <= output.count else {
            throw JPEG2000DecodingError(description: "the output buffer does not fit the frame")
        }
        var wanted = mp_j2k_info(width: UInt32(clamping: width), height: UInt32(clamping: height),
                                 components: UInt32(clamping: components), precision: UInt32(clamping: bitsStored),
                                 is_signed: signed ? 1 : 0, uniform: 1)
        var error = [CChar](repeating: 0, count: 640)
        let status = mp_j2k_decode(codestream.baseAddress?.assumingMemoryBound(to: UInt8.self), codestream.count,
                                   &wanted, UInt32(bytesPerSample), output.baseAddress, output.count, &error, error.count)
        guard status == 0 else { throw JPEG2000DecodingError(description: text(error)) }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

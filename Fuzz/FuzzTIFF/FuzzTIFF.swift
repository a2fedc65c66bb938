import MedPrepCore
import MedPrepDecode

/// libFuzzer entry point: decodes the input as an in-memory file with `TIFFReader.decode(bytes:path:limits:)`,
/// covering libtiff's directory walk through the in-memory source, the page validation, strip/tile decoding and sample conversion.
/// Any `MedPrepError` is an accepted outcome; a crash, sanitizer report, leak or hang is a finding.
/// The voxel cap of 2^22 keeps every accepted allocation small, so out-of-memory reports mean a missed size check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    _ = try? TIFFReader.decode(bytes: bytes, path: "fuzz-input", limits: DecodeLimits(maxVoxels: 1 << 22))
    return 0
}

import MedPrepCore
import MedPrepDecode

/// libFuzzer entry point: decodes the input as an in-memory file with `NIfTIReader.decode(bytes:path:limits:)`,
/// covering the NIfTI-1/2 header checks, gzip inflation (zlib streaming, multi-member), voxel conversion and libnifti's header semantics.
/// Any `MedPrepError` is an accepted outcome; a crash, sanitizer report, leak or hang is a finding.
/// The voxel cap of 2^22 keeps every accepted allocation small, so out-of-memory reports mean a missed size check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    _ = try? NIfTIReader.decode(bytes: bytes, path: "fuzz-input", limits: DecodeLimits(maxVoxels: 1 << 22))
    return 0
}

import Foundation
import MedPrepCore
import MedPrepDecode

/// The scratch file each input is written to: DCMTK reads DICOM from a path, so the harness goes through one file.
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-fuzz-dicom-\(getpid()).dcm").path

/// libFuzzer entry point: writes the input to a scratch file and decodes it with `ScanReader` (DCMTK's parser, the
/// shim's attribute and frame reads, medprep's size checks, geometry and sample conversion). Any `MedPrepError` is
/// an accepted outcome; a crash, sanitizer report, leak or hang is a finding. The voxel cap of 2^22 keeps every
/// accepted allocation small, so out-of-memory reports mean a missed size check.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size)) else { return 0 }
    _ = try? ScanReader(limits: DecodeLimits(maxVoxels: 1 << 22)).read(path: scratch)
    return 0
}

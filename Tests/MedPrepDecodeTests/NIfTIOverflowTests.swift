import Foundation
import Testing
import MedPrepCore
@testable import MedPrepDecode

/// Stored values beyond float32 are named as overflow, apart from NaN/±inf (issue 14, item 11).
@Suite struct NIfTIOverflowTests {
    /// A single-file little-endian NIfTI-1 of `count` voxels (shape `count`×1×1), laid out by the NIfTI-1 spec
    /// (sizeof_hdr at 0, dim at 40, datatype at 70, bitpix at 72, pixdim at 76, vox_offset at 108, scl_slope at
    /// 112, scl_inter at 116, magic "n+1" at 344), data at 352.
    static func nifti(datatype: Int16, bitpix: Int16, count: Int, slope: Float = 0, intercept: Float = 0,
                      data: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 352)
        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { for (i, byte) in $0.enumerated() { header[offset + i] = byte } }
        }
        put(Int32(348).littleEndian, at: 0)
        for (i, dim) in [Int16(3), Int16(count), 1, 1, 1, 1, 1, 1].enumerated() { put(dim.littleEndian, at: 40 + 2 * i) }
        put(datatype.littleEndian, at: 70)
        put(bitpix.littleEndian, at: 72)
        for i in 0 ..< 8 { put(Float(1).bitPattern.littleEndian, at: 76 + 4 * i) }
        put(Float(352).bitPattern.littleEndian, at: 108)
        put(slope.bitPattern.littleEndian, at: 112)
        put(intercept.bitPattern.littleEndian, at: 116)
        for (i, byte) in Array("n+1".utf8).enumerated() { header[344 + i] = byte }
        return header + data
    }

    static func float64(_ values: [Double], slope: Float = 0) -> [UInt8] {
        nifti(datatype: 64, bitpix: 64, count: values.count, slope: slope,
              data: values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
    }

    @Test func float64BeyondFloat32IsNamedOverflow() throws {
        for huge in [1e300, -1e39, 3.5e38] {
            let bytes = Self.float64([1, 2, huge, 4])
            let error = try #require(throws: MedPrepError.self) { try NIfTIReader.decode(bytes: bytes, path: "big.nii") }
            #expect(error.kind == .nonFinite && error.path == "big.nii")
            #expect(error.reason.contains("float64 value \(huge) overflows float32"), "\(error.reason)")
            #expect(!error.reason.contains("NaN"), "\(error.reason)")
        }
    }

    /// NaN and ±inf stay what they are (the non-finite policy decides); Float.greatestFiniteMagnitude fits.
    @Test func float64NonFiniteAndLargestFloatPassThrough() throws {
        let largest = Double(Float.greatestFiniteMagnitude)
        let scan = try NIfTIReader.decode(bytes: Self.float64([.nan, .infinity, -.infinity, largest, 1]), path: "ok.nii")
        let values = scan.tensor.storage
        #expect(values[0].isNaN && values[1] == .infinity && values[2] == -.infinity)
        #expect(values[3] == .greatestFiniteMagnitude && values[4] == 1)
    }

    /// int16 32767 with scl_slope 1e36 is 3.2767e40 (in the eight-voxel SIMD part and in the scalar tail).
    @Test func scaledIntegersBeyondFloat32AreNamedOverflow() throws {
        for position in [3, 9] {
            var stored = [Int16](repeating: 1, count: 10)
            stored[position] = 32767
            let bytes = Self.nifti(datatype: 4, bitpix: 16, count: 10, slope: 1e36,
                                   data: stored.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } })
            let error = try #require(throws: MedPrepError.self) { try NIfTIReader.decode(bytes: bytes, path: "ct.nii") }
            #expect(error.kind == .nonFinite)
            #expect(error.reason.contains("int16 scaled value") && error.reason.contains("overflows float32"), "\(error.reason)")
        }
    }
}

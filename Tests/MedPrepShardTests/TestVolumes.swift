import Foundation
import MedPrepTestSupport

/// Small float32 NIfTI-1 volumes written byte by byte (no medprep code involved), in a fresh temporary
/// directory per test.
struct TestVolumes {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "medprep-shard-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A directory beside `directory` for outputs (pipelines refuse outputs inside their input).
    var outputs: String { directory + ".out" }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: outputs)
    }

    /// Writes `<directory>/<name>`: a `.nii` with a 348-byte header, 4 zero extension bytes, then the values
    /// (x fastest), datatype FLOAT32, unit spacing, no qform/sform.
    func write(_ name: String, shape: (Int, Int, Int), values: [Float]) throws {
        var header = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { for (i, byte) in $0.enumerated() { header[offset + i] = byte } }
        }
        func put(_ value: Float, at offset: Int) { put(value.bitPattern, at: offset) }
        put(Int32(348), at: 0)
        for (i, dim) in [3, shape.0, shape.1, shape.2, 1, 1, 1, 1].enumerated() { put(Int16(dim), at: 40 + 2 * i) }
        put(Int16(16), at: 70)
        put(Int16(32), at: 72)
        for (i, spacing) in [Float(1), 1, 1, 1, 0, 0, 0, 0].enumerated() { put(spacing, at: 76 + 4 * i) }
        put(Float(352), at: 108)
        put(Float(1), at: 112)
        for (i, byte) in Array("n+1".utf8).enumerated() { header[344 + i] = byte }
        var bytes = header
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A dataset of `count` cases `case_000.nii`… of different sizes and value ranges (offsets up to 3000, so
    /// that the order of Chan merges shows in the last bits), with a few zero voxels for masks.
    func writeDataset(count: Int, seed: UInt64 = 7) throws {
        var generator = SplitMix(seed: seed)
        for index in 0 ..< count {
            let shape = (3 + index % 4, 4 + index % 3, 2 + index % 5)
            let n = shape.0 * shape.1 * shape.2
            let offset = Float(index % 5) * 750, scale = Float(1 + index % 3) * 0.37
            let values = (0 ..< n).map { i -> Float in
                i % 11 == 0 ? 0 : offset + scale * Float(generator.unit() * 200 - 100)
            }
            try write(String(format: "case_%03d.nii", index), shape: shape, values: values)
        }
    }
}

import Foundation
import Testing
import MedPrepCore
import MedPrepDecode
import MedPrepWrite

/// Decoding reuses the buffers of the previous scan on the same thread (`ScratchArrays`): a scan must come out
/// exactly as written whatever was decoded before it, larger or smaller.
@Suite struct ScratchReuseTests {
    @Test func scansDecodedOneAfterAnotherOnOneThreadKeepNoStaleValues() throws {
        let directory = WriterFixtures.temporaryDirectory("scratch")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 1.25, 1.125 and 1.5 MiB of float32 each, above ScratchArrays.minimumBytes, with values unique per file.
        let depths = [80, 72, 96]
        var written: [Tensor] = []
        for (file, depth) in depths.enumerated() {
            let shape = TensorShape(c: 1, d: depth, h: 64, w: 64)
            let tensor = Tensor(shape: shape, storage: (0 ..< shape.count).map { Float(file * 10_000_000 + $0) })
            for suffix in [".nii.gz", ".nii"] {
                try NIfTIWriter.write(tensor, geometry: .pixel(spacing: [1, 1, 1]), to: "\(directory)/\(file)\(suffix)")
            }
            written.append(tensor)
        }
        let expected = written
        let mismatches = LockedCounter()
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            for suffix in [".nii.gz", ".nii"] {
                for file in [0, 1, 2, 1, 0] {
                    guard var scan = try? NIfTIReader.read(path: "\(directory)/\(file)\(suffix)") else {
                        mismatches.add()
                        continue
                    }
                    if scan.tensor != expected[file] { mismatches.add() }
                    ScratchArrays.recycle(&scan.tensor.storage)
                }
            }
        }.start()
        done.wait()
        #expect(mismatches.value == 0)
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

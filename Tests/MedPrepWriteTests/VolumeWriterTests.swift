import Foundation
import Testing
import MedPrepCore
import MedPrepDecode
@testable import MedPrepWrite

/// The volume writer registry (`VolumeWriters`) and the writers behind the `VolumeWriter` protocol.
@Suite struct VolumeWriterTests {
    @Test func registryNamesAndSuffixes() {
        #expect(VolumeWriters.names == ["nifti", "npy"])
        #expect(VolumeWriters.all(compressed: true).map(\.suffix) == [".nii.gz", ".npy"])
        #expect(VolumeWriters.all(compressed: false).map(\.suffix) == [".nii", ".npy"])
        #expect(VolumeWriters.labels(compressed: true).name == "nifti")
        #expect(VolumeWriters.labels(compressed: false).suffix == ".nii")
    }

    /// Through the protocol, each writer writes the bytes its static function writes, and shows all of them to
    /// the observer.
    @Test func protocolWritesTheSameBytesAsTheStaticWriters() throws {
        let directory = WriterFixtures.temporaryDirectory("volume-writer")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scan = try NIfTIReader.read(path: WriterFixtures.path("dtype_int16.nii"))
        let tree = try OutputTree(directory: directory)
        for compressed in [true, false] {
            for writer in VolumeWriters.all(compressed: compressed) {
                var observed = [UInt8]()
                try writer.write(scan, to: "protocol" + writer.suffix, in: tree, durable: false) { observed += $0 }
                let reference = directory + "/static" + writer.suffix
                if writer.name == "nifti" {
                    try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: reference, durable: false)
                } else {
                    try NPYWriter.write(scan.tensor, to: reference, durable: false)
                }
                let written = try #require(FileManager.default.contents(atPath: directory + "/protocol" + writer.suffix))
                #expect(written == FileManager.default.contents(atPath: reference), "\(writer.suffix)")
                #expect(Data(observed) == written, "\(writer.suffix)")
            }
        }
    }
}

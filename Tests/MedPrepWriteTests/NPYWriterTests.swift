import Foundation
import Testing
import MedPrepCore
@testable import MedPrepWrite

@Suite struct NPYWriterTests {
    @Test func headerIsPaddedTo64Bytes() {
        let header = NPYWriter.header(shape: [1, 2, 3, 4, 5])
        #expect(header.count % 64 == 0)
        #expect(Array(header.prefix(8)) == [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
        #expect(Int(header[8]) | Int(header[9]) << 8 == header.count - 10)
        let text = String(decoding: header[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5), }"))
        #expect(text.hasSuffix(" \n"))
        #expect(String(decoding: NPYWriter.header(shape: [7])[10...], as: UTF8.self).contains("'shape': (7,)"))
    }

    @Test func fileIsHeaderThenLittleEndianFloats() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-npy-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tensor = Tensor(shape: TensorShape(c: 1, h: 2, w: 3), storage: [1, -2, 0.5, 3, 4, 5])
        try NPYWriter.write(tensor, to: directory + "/planar.npy")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/planar.npy")))
        let header = NPYWriter.header(shape: [1, 1, 2, 3])
        #expect(Array(bytes.prefix(header.count)) == header)
        #expect(String(decoding: header, as: UTF8.self).contains("'shape': (1, 1, 2, 3)"))
        #expect(bytes.count == header.count + 24)
        #expect(Array(bytes[header.count ..< header.count + 8]) == [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0])
    }
}

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
    }
}

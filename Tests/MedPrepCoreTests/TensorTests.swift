import Foundation
import Testing
@testable import MedPrepCore

@Suite struct TensorTests {
    @Test func offsetsAreRowMajorNCDHW() {
        let shape = TensorShape(n: 2, c: 3, d: 4, h: 5, w: 6)
        #expect(shape.offset(n: 0, c: 0, d: 0, h: 0, w: 1) == 1)
        #expect(shape.offset(n: 0, c: 0, d: 0, h: 1, w: 0) == 6)
        #expect(shape.offset(n: 0, c: 0, d: 1, h: 0, w: 0) == 30)
        #expect(shape.offset(n: 0, c: 1, d: 0, h: 0, w: 0) == 120)
        #expect(shape.offset(n: 1, c: 0, d: 0, h: 0, w: 0) == 360)
        #expect(shape.count == 720)
        #expect(shape.outputDimensions == [2, 3, 4, 5, 6])
        #expect(TensorShape(c: 1, h: 5, w: 6).outputDimensions == [1, 1, 5, 6])
    }

    @Test func limitsRefuseOverflowAndCap() {
        let limits = DecodeLimits(maxVoxels: 1000)
        #expect(throws: MedPrepError.self) { try limits.checkedElementCount([10, 10, 11], path: "x") }
        #expect(throws: MedPrepError.self) { try limits.checkedElementCount([0, 10], path: "x") }
        #expect(throws: MedPrepError.self) { try DecodeLimits().checkedElementCount([Int.max / 2, 3], path: "x") }
        #expect((try? limits.checkedElementCount([10, 10, 10], path: "x")) == 1000)
    }
}

import Testing
@testable import MedPrepDecode

/// The grouping rules that the fixtures do not exercise: AcquisitionNumber splits only repeated positions, and a
/// multi-frame object gives one slice per frame.
@Suite struct DICOMSeriesGroupingTests {
    static func header(_ name: String, z: [Double], acquisition: Int?) -> DICOMSliceHeader {
        DICOMSliceHeader(path: "/in/s/\(name)", sopClassUID: "1.2.840.10008.5.1.4.1.1.2", seriesInstanceUID: "1.2.3",
                         studyInstanceUID: "1.2", acquisitionNumber: acquisition, rows: 2, columns: 2,
                         numberOfFrames: z.count, imageOrientation: [1, 0, 0, 0, 1, 0],
                         imagePositions: z.map { [0, 0, $0] }, pixelSpacing: [1, 1],
                         rescaleSlopes: [1], rescaleIntercepts: [0], transferSyntaxUID: "1.2.840.10008.1.2.1")
    }

    @Test func acquisitionNumberPerSliceKeepsOneVolume() {
        let groups = DICOMSeriesGrouping.groups(of: (0 ..< 4).map { Self.header("f\($0)", z: [Double($0)], acquisition: $0 + 1) })
        #expect(groups.count == 1)
        #expect(groups.first?.label == "")
    }

    @Test func repeatedAcquisitionsAtTheSamePositionsSplit() {
        let headers = (0 ..< 6).map { Self.header("f\($0)", z: [Double($0 % 3)], acquisition: $0 / 3 + 1) }
        let groups = DICOMSeriesGrouping.groups(of: headers)
        #expect(groups.map(\.label) == ["a1", "a2"])
        #expect(groups.map { $0.frames.count } == [3, 3])
        #expect(groups.map(\.splitKey).allSatisfy { $0.hasPrefix("o=1000,0,0,0,1000,0;s=2x2;e=-;t=-;a=") })
    }

    @Test func multiFrameObjectStacksItsFrames() throws {
        let group = try #require(DICOMSeriesGrouping.groups(of: [Self.header("mf", z: [4, 0, 2], acquisition: 1)]).first)
        let series = try DICOMSliceStack.assemble(group, caseID: "s")
        #expect(series.slices.map(\.frame) == [1, 2, 0])
        #expect(series.sliceStep == 2)
        #expect(series.affine.values == [-1, 0, 0, 0, 0, 1, 0, -1, 0, 0, 2, 0, 0, 0, 0, 1])
    }
}

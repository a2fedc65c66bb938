import Foundation
import Testing
@testable import MedPrepPipeline

/// Discovery of DICOM series as channels (`input.channels`), before any pixel is decoded.
@Suite struct DICOMChannelDiscoveryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/dicom-channels/good").standardized.path

    /// `a/case1_0000/` and `a/case1_0001/` (series directories matching `{case}_{channel:4}`) make case `a/case1`
    /// with two series channels whose files are the slices (the RTSTRUCT a note, not a file of the channel);
    /// `flat/case9_0000` and `flat/case9_0001` (DICOM files outside matching directories) are one-file channels
    /// matched by their names, as before.
    @Test func directoriesMatchingThePatternAreSeriesChannels() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-dicom-channels-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/flat", withIntermediateDirectories: true)
        for channel in ["case1_0000", "case1_0001"] {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + channel, toPath: root + "/a/" + channel)
        }
        try FileManager.default.copyItem(atPath: Self.fixtures + "/case1_0000/IM0001.dcm", toPath: root + "/flat/case9_0000")
        try FileManager.default.copyItem(atPath: Self.fixtures + "/case1_0001/IM0001.dcm", toPath: root + "/flat/case9_0001")

        let result = try InputDiscovery(directory: root, include: [try #require(GlobPattern("**/*"))],
                                        channels: try #require(ChannelPattern("{case}_{channel:4}"))).discover()
        #expect(result.cases.map(\.id) == ["a/case1", "flat/case9"])
        let series = result.cases[0]
        #expect(series.channelNumbers == [0, 1])
        #expect(series.channels.allSatisfy { $0.dicomSeries?.series?.slices.count == 4 })
        #expect(series.relativePaths == ["a/case1_0000/IM0001.dcm", "a/case1_0001/IM0001.dcm"])
        #expect(series.fingerprintedPaths == ["case1_0000", "case1_0001"].flatMap { channel in
            (1 ... 4).map { "\(root)/a/\(channel)/IM000\($0).dcm" }
        })
        let flat = result.cases[1]
        #expect(flat.channels.allSatisfy { $0.dicomSeries == nil })
        #expect(flat.paths == [root + "/flat/case9_0000", root + "/flat/case9_0001"])
        #expect(result.skipped.map(\.path) == ["a/case1_0000/RS.dcm"])
        #expect(result.skipped.first?.reason == .dicomNotImage)
    }
}

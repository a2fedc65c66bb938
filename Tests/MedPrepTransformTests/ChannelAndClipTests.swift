import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

@Suite struct ChannelAndClipTests {
    static func raster(_ format: ScanFormat, channels: Int) -> Scan {
        let shape = TensorShape(c: channels, h: 2, w: 3)
        return Scan(path: "img.\(format.rawValue)", header: ScanHeader(format: format, dataType: "uint8", bitsPerSample: 8),
                    tensor: Tensor(shape: shape, storage: (0 ..< shape.count).map(Float.init)), geometry: .pixel())
    }

    @Test func clipMatchesNumpyAndSkipsLabels() throws {
        let fixture = try FixtureCase.load("clip_image")
        let clip = try Clip(min: try #require(fixture.parameters.min), max: try #require(fixture.parameters.max))
        let output = try clip.apply(to: fixture.inputScan, role: .image)
        #expect(output.tensor.storage.count == fixture.expected.values.count)
        #expect(maxAbsDifference(output.tensor.storage.map(Double.init), fixture.expected.values) == 0)
        #expect(try clip.apply(to: fixture.inputScan, role: .label).tensor == fixture.inputScan.tensor)
        #expect(throws: MedPrepError.self) { try Clip(min: 2, max: 1) }
        var withNaN = fixture.inputScan
        withNaN.tensor.storage[0] = .nan
        #expect(try clip.apply(to: withNaN, role: .image).tensor.storage[0].isNaN)
    }

    @Test func selectChannelsReordersAndChecksRange() throws {
        let scan = Self.raster(.png, channels: 3)
        let output = try SelectChannels([2, 0]).apply(to: scan, role: .image)
        #expect(output.tensor.shape.c == 2)
        #expect(Array(output.tensor.channel(0)) == Array(scan.tensor.channel(2)))
        #expect(Array(output.tensor.channel(1)) == Array(scan.tensor.channel(0)))
        let error = #expect(throws: MedPrepError.self) { try SelectChannels([3]).apply(to: scan, role: .image) }
        #expect(error?.path == scan.path && error?.kind == .invalidArgument)
        #expect(throws: MedPrepError.self) { try SelectChannels([]) }
        #expect(throws: MedPrepError.self) { try SelectChannels([-1]) }
    }

    @Test func dropAlphaOnlyForRasterGrayAlphaAndRGBA() throws {
        for channels in [2, 4] {
            let scan = Self.raster(.png, channels: channels)
            let output = try DropAlpha().apply(to: scan, role: .image)
            #expect(output.tensor.shape.c == channels - 1)
            #expect(output.tensor.storage == Array(scan.tensor.storage.prefix((channels - 1) * 6)))
        }
        #expect(try DropAlpha().apply(to: Self.raster(.tiff, channels: 4), role: .image).tensor.shape.c == 3)
        #expect(try DropAlpha().apply(to: Self.raster(.png, channels: 3), role: .image).tensor.shape.c == 3)
        #expect(try DropAlpha().apply(to: Self.raster(.nifti1, channels: 4), role: .image).tensor.shape.c == 4)
    }

    /// The channel stages select the image's channels: a label map (one channel) passes unchanged, so that
    /// `select_channels: {channels: [1]}` on a 2-channel case does not fail its label.
    @Test func channelStagesLeaveLabelsAlone() throws {
        let label = Self.raster(.png, channels: 1)
        #expect(try SelectChannels([1]).apply(to: label, role: .label).tensor == label.tensor)
        let grayAlpha = Self.raster(.png, channels: 2)
        #expect(try DropAlpha().apply(to: grayAlpha, role: .label).tensor == grayAlpha.tensor)
    }

    @Test func chainAppliesInOrder() throws {
        let scan = Self.raster(.png, channels: 4)
        let transforms: [any ScanTransform] = [DropAlpha(), try Clip(min: 2, max: 10), try CropOrPad(shape: [2, 2])]
        let output = try transforms.reduce(scan) { try $1.apply(to: $0, role: .image) }
        #expect(transforms.map(\.name) == ["drop_alpha", "clip", "crop_or_pad"])
        #expect(output.tensor.shape == TensorShape(c: 3, h: 2, w: 2))
        #expect(output.tensor.storage == [2, 2, 4, 5, 7, 8, 10, 10, 10, 10, 10, 10])
    }
}

import Foundation
import Testing
@testable import MedPrepCore

/// `GridComparison` on hand-built affines whose differences are known exactly.
@Suite struct GridComparisonTests {
    static let image = VoxelGrid(shape: [64, 64, 40], affine: Affine(rows: [
        [-1, 0, 0, 31.5], [0, 1, 0, -40], [0, 0, 1, -20], [0, 0, 0, 1],
    ]))

    @Test func identicalGridsAndDifferencesInsideToleranceAreSame() {
        #expect(GridComparison.differences(of: Self.image, from: Self.image).isEmpty)
        var near = Self.image
        near.affine[0, 3] += 0.0005
        near.affine[1, 1] *= 1.00005
        #expect(GridComparison.differences(of: near, from: Self.image).isEmpty)
    }

    @Test func labelAtTwiceTheSpacingIsNamed() {
        let label = VoxelGrid(shape: [32, 32, 20], affine: Affine(rows: [
            [-2, 0, 0, 31.5], [0, 2, 0, -40], [0, 0, 2, -20], [0, 0, 0, 1],
        ]))
        let found = GridComparison.differences(of: label, from: Self.image)
        #expect(found == [.shape(reference: [64, 64, 40], other: [32, 32, 20]),
                          .spacing(reference: [1, 1, 1], other: [2, 2, 2])])
        #expect(found[1].describe(subject: "label", reference: "image") == "label spacing (2, 2, 2) mm ≠ image (1, 1, 1) mm")
    }

    @Test func shiftedChannelReportsTheDistance() {
        var shifted = Self.image
        shifted.affine[0, 3] += 6
        shifted.affine[2, 3] += 8
        let found = GridComparison.differences(of: shifted, from: Self.image)
        #expect(found == [.origin(distanceMM: 10)])
        #expect(found[0].describe(subject: "channel 1", reference: "channel 0") == "channel 1 origin differs from channel 0 by 10 mm")
    }

    @Test func flippedAxisIsADirectionDifference() {
        var flipped = Self.image
        flipped.affine[0, 0] = 1
        let found = GridComparison.differences(of: flipped, from: Self.image)
        #expect(found == [.direction(largestCosineDifference: 2)])
        var strict = GridTolerance.standard
        strict.translationMM = 1e-6
        var tiny = Self.image
        tiny.affine[1, 3] += 1e-5
        #expect(GridComparison.differences(of: tiny, from: Self.image, tolerance: strict).count == 1)
    }
}

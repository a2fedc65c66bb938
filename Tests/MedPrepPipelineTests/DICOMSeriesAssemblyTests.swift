import Foundation
import MedPrepCore
import Testing
@testable import MedPrepDecode
@testable import MedPrepPipeline

/// Series assembly over the synthetic fixtures: grouping, slice order, step, affine (numpy and dcm2niix), the errors
/// of broken stacks and the case ids.
@Suite struct DICOMSeriesAssemblyTests {
    typealias Fixtures = DICOMSeriesFixtures

    @Test func groupsEverySeriesIntoTheExpectedCasesAndSkipsTheRTStruct() throws {
        let reference = try Fixtures.reference()
        let assembly = Fixtures.assembly(try Fixtures.headers())
        #expect(assembly.cases.map(\.id) == reference.cases.map(\.id))
        #expect(assembly.cases.map(\.group.directory) == reference.cases.map { Fixtures.root + "/" + $0.directory })
        #expect(assembly.skipped.map(\.path) == reference.skipped.map { Fixtures.root + "/" + $0 })
        #expect(assembly.skipped.first?.reason.contains("RT Structure Set") == true)
    }

    @Test func ordersByPositionAndMeasuresStepAndAffine() throws {
        let reference = try Fixtures.reference()
        let assembly = Fixtures.assembly(try Fixtures.headers())
        for (result, expected) in zip(assembly.cases, reference.cases) where expected.error == nil {
            let series = try result.series.get()
            #expect(series.slices.map(\.path) == expected.order!.map { Fixtures.root + "/" + $0 }, "\(expected.id)")
            #expect(series.shape == expected.shape!, "\(expected.id)")
            #expect(abs(series.sliceStep - expected.step!) < 1e-9, "\(expected.id)")
            #expect(zip(series.spacing, expected.spacing!).allSatisfy { abs($0 - $1) < 1e-9 }, "\(expected.id)")
            #expect(series.slices.map(\.slope) == expected.slopes!, "\(expected.id)")
            #expect(series.slices.map(\.intercept) == expected.intercepts!, "\(expected.id)")
            let numpy = zip(series.affine.values, expected.affine!).map { abs($0 - $1) }.max()!
            #expect(numpy < 1e-6, "\(expected.id): affine vs numpy differs by \(numpy) mm")
            if reference.dcm2niix {
                let dcm2niix = try #require(expected.dcm2niix, "\(expected.id): no dcm2niix reference")
                let difference = zip(series.affine.values, dcm2niix).map { abs($0 - $1) }.max()!
                #expect(difference < 1e-3, "\(expected.id): affine vs dcm2niix differs by \(difference) mm")
            }
        }
    }

    @Test func brokenStacksFailWithTheirReasonAndFix() throws {
        let reference = try Fixtures.reference()
        let assembly = Fixtures.assembly(try Fixtures.headers())
        for (result, expected) in zip(assembly.cases, reference.cases) {
            guard let failure = expected.error else { continue }
            guard case .failure(let error) = result.series else {
                Issue.record("\(expected.id): assembled, expected \(failure.kind)")
                continue
            }
            #expect(error.kind.rawValue == failure.kind, "\(expected.id)")
            #expect(error.path == Fixtures.root + "/" + expected.directory)
            for fragment in failure.contains {
                #expect(error.description.contains(fragment), "\(expected.id): '\(fragment)' not in \(error)")
            }
        }
    }

    @Test func fileOrderDoesNotChangeTheResult() throws {
        let headers = try Fixtures.headers()
        let forward = Fixtures.assembly(headers), backward = Fixtures.assembly(headers.reversed())
        #expect(forward.cases.map(\.id) == backward.cases.map(\.id))
        for (a, b) in zip(forward.cases, backward.cases) {
            #expect((try? a.series.get())?.affine == (try? b.series.get())?.affine)
        }
    }

    @Test func hashedIDsCarryNoIdentifiers() throws {
        let reference = try Fixtures.reference()
        let naming = DICOMCaseNaming(mode: .hashed(salt: reference.hashedSalt)) { SHA256Hasher.hexDigest(text: $0) }
        let readable = Fixtures.assembly(try Fixtures.headers())
        let hashed = Fixtures.assembly(try Fixtures.headers(), naming: naming)
        let byGroup = Dictionary(uniqueKeysWithValues: hashed.cases.map { ($0.group.splitKey + $0.group.seriesInstanceUID, $0.id) })
        for result in readable.cases {
            guard let expected = reference.hashedIDs[result.id] else { continue }
            #expect(byGroup[result.group.splitKey + result.group.seriesInstanceUID] == expected)
        }
        #expect(hashed.cases.allSatisfy { $0.id.hasPrefix("dicom-") && $0.id.count == 22 && !$0.id.contains("P0") })
    }

    @Test func sanitizingKeepsIdsSafe() {
        #expect(DICOMCaseNaming.sanitize("T2/cor  FLAIR*", fallback: "x") == "T2_cor_FLAIR")
        #expect(DICOMCaseNaming.sanitize("..", fallback: "x") == "x")
        #expect(DICOMCaseNaming.sanitize("-rf é", fallback: "x") == "rf")
        #expect(DICOMCaseNaming.sanitize(String(repeating: "a", count: 100), fallback: "x").count == 64)
        #expect(DICOMCaseNaming.sanitize("", fallback: "anonymous") == "anonymous")
    }
}

import Foundation
import Testing
@testable import MedPrepCore

/// `AxisCodes` against nibabel's `aff2axcodes` / `io_orientation` (Tests/Fixtures/orientation/axcodes.json, made
/// by Scripts/fixtures/make_orientation_fixtures.py): all 48 codes, oblique and sheared affines, degenerate ones.
@Suite struct AxisCodesTests {
    struct Entry: Decodable {
        var name: String
        var affine: [Double]
        var codes: [String?]
        var ornt: [[Int]?]
    }

    static let entries: [Entry] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/orientation/axcodes.json")
        return (try? JSONDecoder().decode([Entry].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test func fixtureCoversEveryCodeObliqueAndDegenerateAffines() {
        #expect(Self.entries.count >= 100)
        #expect(Set(Self.entries.filter { $0.name.hasPrefix("code_") }.map { $0.codes.compactMap { $0 }.joined() }).count == 48)
        #expect(Self.entries.contains { $0.codes.contains(nil) })
    }

    @Test func closestDirectionsMatchNibabel() {
        for entry in Self.entries {
            let closest = AxisCodes.closestDirections(of: Affine(values: entry.affine))
            let ornt = closest.map { $0.map { [$0.worldAxis, $0.sign] } }
            #expect(ornt == entry.ornt, "\(entry.name)")
            #expect(closest.map { $0.map { String($0.letter) } } == entry.codes, "\(entry.name)")
            let code = AxisCodes(affine: Affine(values: entry.affine))
            #expect(code?.description == (entry.codes.contains(nil) ? nil : entry.codes.compactMap { $0 }.joined()), "\(entry.name)")
        }
    }

    @Test func parsesExactlyTheFortyEightCodes() {
        #expect(AxisCodes.all.count == 48)
        #expect(Set(AxisCodes.all.map(\.description)).count == 48)
        for code in AxisCodes.all {
            #expect(AxisCodes(code.description) == code)
        }
        #expect(AxisCodes("RAS") == .ras)
        for bad in ["", "RA", "RASL", "RRS", "RLA", "ras", "XYZ", "R A", "LPI "] {
            #expect(AxisCodes(bad) == nil, "\(bad)")
        }
    }
}

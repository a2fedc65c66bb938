import Foundation
import MedPrepCore

/// Reads the reference fixtures written by Scripts/fixtures/make_normalize_fixtures.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/normalize")

    static let manifest: JSONValue = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(JSONValue.self, from: data)
    }()

    static func cases(_ key: String) -> [JSONValue] { manifest[key].array }

    /// A float32 little-endian raw file.
    static func floats(_ name: String?) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name ?? "missing"))
        return data.withUnsafeBytes { raw in
            (0 ..< data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func shape(_ value: JSONValue) -> TensorShape {
        let d = value.array.compactMap(\.int)
        return TensorShape(n: d[0], c: d[1], d: d[2], h: d[3], w: d[4])
    }

    static func tensor(_ entry: JSONValue, file key: String = "input") throws -> Tensor {
        Tensor(shape: shape(entry["shape"]), storage: try floats(entry[key].string))
    }

    /// Largest |a − b| over finite reference values; non-finite reference values must match exactly.
    static func maxError(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count else { return .infinity }
        var worst = 0.0
        for (x, y) in zip(a, b) {
            if y.isFinite {
                worst = max(worst, x.isFinite ? abs(Double(x) - Double(y)) : .infinity)
            } else if !(x.isNaN && y.isNaN) && x != y {
                return .infinity
            }
        }
        return worst
    }
}

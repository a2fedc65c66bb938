import Foundation
import MedPrepCore
import MedPrepPipeline
import MedPrepWrite

/// A temporary directory for one test, removed when the test ends.
final class Workspace {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "medprep-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func at(_ relative: String) -> String { path + "/" + relative }

    /// Copies `SampleData/` and `pipelines/` of the package into the workspace, so that the example pipelines'
    /// relative paths (`../SampleData/…`, `../out/…`) resolve inside it.
    func copyExamples() throws {
        for name in ["SampleData", "pipelines"] {
            try FileManager.default.copyItem(atPath: MedPrepProcess.packageRoot + "/" + name, toPath: at(name))
        }
    }

    func write(_ text: String, to relative: String) throws {
        let full = at(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// Every regular file under `relative`, as paths relative to it, sorted.
    func files(under relative: String) -> [String] {
        let root = at(relative)
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [String] = []
        while let item = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(item)
            }
        }
        return result.sorted()
    }

    /// SHA-256 of every case output under `relative`: everything except the run state (`.medprep/`) and the
    /// reports, whose statuses differ between runs.
    func outputHashes(under relative: String) throws -> [String: String] {
        let reports: Set<String> = ["report.json", "report.html", "groups.csv"]
        var hashes: [String: String] = [:]
        for file in files(under: relative) where !file.hasPrefix(".medprep/") && !reports.contains(file) {
            hashes[file] = try SHA256Hasher.hexDigest(file: at(relative) + "/" + file)
        }
        return hashes
    }

    /// The group statistics of each file in `report.json` under `relative`, as canonical JSON text by input.
    func reportGroups(under relative: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: at(relative) + "/report.json"))
        let files = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]] ?? []
        var groups: [String: String] = [:]
        for file in files {
            guard let input = file["input"] as? String else { continue }
            let text = try JSONSerialization.data(withJSONObject: file["groups"] ?? [], options: [.sortedKeys])
            groups[input] = String(decoding: text, as: UTF8.self)
        }
        return groups
    }

    /// The `notes` of `report.json` under `relative`.
    func reportNotes(under relative: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: at(relative) + "/report.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["notes"] as? [String] ?? []
    }
}

/// Small generated float32 NIfTI volumes with a simple oblique sform.
enum GeneratedVolumes {
    /// The sform of generated volume `index`: spacing (1, 1.25, 2), a small rotation about k, a translation.
    static func affine(_ index: Int) -> Affine {
        let angle = 0.05 * Double(index % 5)
        let (c, s) = (cos(angle), sin(angle))
        return Affine(rows: [[c * 1.0, -s * 1.25, 0, -20 + Double(index)],
                             [s * 1.0, c * 1.25, 0, 10],
                             [0, 0, 2.0, -30],
                             [0, 0, 0, 1]])
    }

    static func geometry(_ index: Int) -> ScanGeometry {
        let affine = affine(index)
        return ScanGeometry(spacing: [1, 1.25, 2], affine: affine, affineSource: .sform,
                            qformCode: 0, qform: nil, sformCode: 1, sform: affine, xyztUnits: 2)
    }

    /// A smooth blob plus a deterministic per-voxel pattern; `seed` changes the content.
    static func tensor(size: Int, seed: Int) -> Tensor {
        let shape = TensorShape(c: 1, d: size, h: size, w: size)
        var storage = [Float](repeating: 0, count: shape.count)
        let centre = Double(size - 1) / 2
        var state = UInt64(truncatingIfNeeded: seed &* 2654435761 &+ 12345)
        for z in 0 ..< size {
            for y in 0 ..< size {
                for x in 0 ..< size {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Double(state >> 40) / Double(1 << 24)
                    let r2 = (pow(Double(x) - centre, 2) + pow(Double(y) - centre, 2) + pow(Double(z) - centre, 2))
                        / (centre * centre + 1)
                    storage[(z * size + y) * size + x] = Float(100 + 400 * exp(-2 * r2) + 30 * noise + Double(seed % 7))
                }
            }
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Writes `count` volumes `scan_000.nii.gz`… of `size`³ into `directory`.
    static func write(count: Int, size: Int, to directory: String, gzip: Bool = true) throws {
        for index in 0 ..< count {
            try write(index: index, size: size, seed: index, to: directory + String(format: "/scan_%03d", index)
                      + (gzip ? ".nii.gz" : ".nii"))
        }
    }

    static func write(index: Int, size: Int, seed: Int, to path: String) throws {
        try NIfTIWriter.write(tensor(size: size, seed: seed), geometry: geometry(index), to: path)
    }

    /// Writes a label map on the grid of volume `index`: class numbers 0…3 from `tensor(size:seed:)` (its values
    /// 100…530 cut into bands of 150), stored as float32 holding integers.
    static func writeLabel(index: Int, size: Int, seed: Int, to path: String) throws {
        var classes = tensor(size: size, seed: seed)
        for position in classes.storage.indices { classes.storage[position] = ((classes.storage[position] - 100) / 150).rounded(.down) }
        try NIfTIWriter.write(classes, geometry: geometry(index), to: path)
    }

    /// A pipeline over `input` writing to `output`: GroupNorm (G = 1) by default.
    static func pipeline(name: String, input: String, output: String,
                         normalize: String = "{method: groupnorm, groups: 1, eps: 1.0e-5}",
                         extraStages: [String] = [], compression: String = "gzip", batches: String = "none",
                         batchSize: Int = 1) -> String {
        """
        version: 1
        name: \(name)
        input:
          directory: \(input)
        stages:
        \(extraStages.map { "  - \($0)\n" }.joined())  - normalize: \(normalize)
        batch: {size: \(batchSize)}
        output:
          directory: \(output)
          compression: \(compression)
          batches: \(batches)
          reports: [json]
        """
    }
}

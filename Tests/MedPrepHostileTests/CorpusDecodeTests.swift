import Foundation
import MedPrepCore
import MedPrepDecode
import Testing

/// Every manifest case through `ScanReader().read(path:)`: the exact error kind with the path set, or the
/// numpy reference shape and statistics; each within 5 s.
@Suite struct CorpusDecodeTests {
    @Test func manifestIsComplete() throws {
        let cases = HostileCorpus.cases
        #expect(cases.count >= 120)
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: HostileCorpus.directory).filter { sub in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: HostileCorpus.directory + "/" + sub, isDirectory: &isDirectory)
            return !isDirectory.boolValue && sub != "manifest.json"
        }
        #expect(Set(onDisk) == Set(cases.map(\.file)), "every corpus file has exactly one manifest entry")
        let kinds = Set(MedPrepError.Kind.allCases.map(\.rawValue))
        for item in cases {
            #expect(FileManager.default.fileExists(atPath: item.path), "\(item.file) is missing")
            if item.isError {
                #expect(item.kind.map(kinds.contains) == true, "\(item.file): unknown kind \(item.kind ?? "nil")")
            } else {
                #expect(item.shape?.count == 4 && item.min != nil && item.max != nil && item.mean != nil)
            }
        }
    }

    @Test(arguments: HostileCorpus.cases)
    func decode(_ item: HostileCase) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = Result { try ScanReader().read(path: item.path) }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(5), "\(item.file) took \(elapsed)")
        switch (outcome, item.isError) {
        case (.failure(let error), true):
            let failure = try #require(error as? MedPrepError, "\(item.file): \(error) is not a MedPrepError")
            #expect(failure.kind.rawValue == item.kind, "\(item.file): \(failure.kind.rawValue), expected \(item.kind ?? "")")
            #expect(failure.path?.isEmpty == false, "\(item.file): error without a path")
            #expect(!failure.reason.isEmpty)
        case (.failure(let error), false):
            Issue.record("\(item.file) should decode: \(error)")
        case (.success, true):
            Issue.record("\(item.file) decoded, expected \(item.kind ?? "")")
        case (.success(let scan), false):
            #expect(scan.tensor.shape.sampleDimensions == item.shape, "\(item.file): shape \(scan.tensor.shape.sampleDimensions)")
            var low = Double.infinity, high = -Double.infinity, sum = 0.0, finite = 0
            for value in scan.tensor.storage where value.isFinite {
                let x = Double(value)
                low = min(low, x)
                high = max(high, x)
                sum += x
                finite += 1
            }
            #expect(scan.tensor.storage.count - finite == item.nonfinite, "\(item.file): non-finite count")
            #expect(HostileCorpus.close(low, item.min ?? .nan), "\(item.file): min \(low) vs \(item.min ?? .nan)")
            #expect(HostileCorpus.close(high, item.max ?? .nan), "\(item.file): max \(high) vs \(item.max ?? .nan)")
            let mean = sum / Double(finite)
            #expect(HostileCorpus.close(mean, item.mean ?? .nan), "\(item.file): mean \(mean) vs \(item.mean ?? .nan)")
        }
    }

    /// The error kind does not depend on where the file lies: libtiff quotes the path in some messages, and a
    /// folder name such as `decoded-zlib-corrupt` must not turn a malformed file into a corrupt one.
    @Test func tiffErrorKindIgnoresTheFolderName() throws {
        let folder = NSTemporaryDirectory() + "decoded-zlib-corrupt-lzw-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tiffErrors = HostileCorpus.cases.filter { $0.isError && $0.file.hasPrefix("tiff/") }
        #expect(tiffErrors.count > 10)
        for item in tiffErrors {
            let copy = folder + "/" + (item.file as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: item.path, toPath: copy)
            let error = try #require(Result { try ScanReader().read(path: copy) }.failure as? MedPrepError, "\(item.file)")
            #expect(error.kind.rawValue == item.kind, "\(item.file) in \(folder): \(error.kind.rawValue), expected \(item.kind ?? "")")
        }
    }
}

extension Result {
    /// The error, or nil on success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

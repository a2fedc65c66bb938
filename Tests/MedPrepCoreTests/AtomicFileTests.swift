import Foundation
import Testing
@testable import MedPrepCore

@Suite struct AtomicFileTests {
    /// A fresh directory under the system's temporary directory, removed by `cleanUp`.
    struct Folder {
        let path: String
        init(_ name: String) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        var entries: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
        func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Both kinds of temporary file (unnamed `O_TMPFILE`, and the named one used where that is missing): a write
    /// replaces the whole file, a failed write leaves the destination as it was, no temporary file remains, and the
    /// output is readable by everyone (0644).
    @Test(arguments: [true, false])
    func writeReplacesWholeFileAndLeavesNoTemporary(unnamed: Bool) throws {
        let folder = try Folder("atomic")
        defer { folder.cleanUp() }
        let path = folder.path + "/out.bin"
        let write = { (bytes: [UInt8]) in
            try AtomicFile.write(to: path, durable: true, unnamed: unnamed, observer: nil) { try $0.write(bytes) }
        }
        try write([1, 2, 3])
        try write([4, 5])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
        struct Failure: Error {}
        #expect(throws: Failure.self) {
            try AtomicFile.write(to: path, durable: false, unnamed: unnamed, observer: nil) { sink in
                try sink.write([9, 9, 9])
                throw Failure()
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
        #expect(folder.entries == ["out.bin"])
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644)
    }

    /// While a file is being written, the directory shows nothing new: with an unnamed temporary file neither the
    /// destination nor any temporary name exists before the write completes; with a named one only
    /// `.out.bin.tmp-XXXXXX` does (what a killed run's clean-up looks for).
    @Test(arguments: [true, false])
    func fileInProgressHasNoFinalName(unnamed: Bool) throws {
        let folder = try Folder("inprogress")
        defer { folder.cleanUp() }
        var seen: [String] = []
        try AtomicFile.write(to: folder.path + "/out.bin", durable: false, unnamed: unnamed, observer: nil) { sink in
            try sink.write([1, 2, 3])
            seen = folder.entries
        }
        #if os(Linux)
        if unnamed {
            #expect(seen.isEmpty, "\(seen)")
        }
        #endif
        if !unnamed {
            #expect(seen.count == 1 && seen[0].hasPrefix(".out.bin.tmp-") && seen[0].count == ".out.bin.tmp-".count + 6,
                    "\(seen)")
        }
        #expect(folder.entries == ["out.bin"])
    }

    @Test func preallocatedOutputHoldsExactlyWhatWasWritten() throws {
        let folder = try Folder("prealloc")
        defer { folder.cleanUp() }
        let path = folder.path + "/out.bin"
        let payload = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(to: path) { sink in
            try sink.preallocate(payload.count)
            #if os(Linux)
            var info = stat()
            #expect(fstat(sink.descriptor, &info) == 0 && info.st_size == payload.count)
            #endif
            try sink.write(Array(payload[..<1000]))
            try sink.write(Array(payload[1000...]))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(payload))
    }
}

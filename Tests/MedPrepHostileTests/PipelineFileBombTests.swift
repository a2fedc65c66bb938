import Foundation
import MedPrepTestSupport
import Testing

/// Hostile pipeline files through the built binary (`medprep validate FILE` and `medprep run FILE`), made at test
/// time: each must end with exit 2 (invalid pipeline), a message naming the file and the reason, in seconds and
/// well under 200 MB — never by composing what the file describes.
@Suite(.serialized) struct PipelineFileBombTests {
    static let binary = PackagePaths.medprep
    static let commands = ["validate", "run"]
    /// Generous against a loaded 2-core machine; measured times are printed (well under 1 s when idle).
    static let secondsCeiling = 5.0
    static let memoryCeilingKiB = 200 * 1024

    /// A fresh temporary directory with an empty `input/` directory.
    static func directory() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/medprep-yaml-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        let root = String(cString: made)
        try FileManager.default.createDirectory(atPath: root + "/input", withIntermediateDirectories: true)
        return root
    }

    /// A valid pipeline over `root/input`.
    static func pipeline(_ root: String, name: String = "bounded") -> String {
        """
        version: 1
        name: \(name)
        input:
          directory: \(root)/input
          include: ["**/*.nii.gz"]
        stages:
          - normalize: {method: groupnorm, groups: 1}
        output:
          directory: \(root)/out

        """
    }

    /// Runs `medprep command file` with a time-out, expecting exit 2 within the time and memory ceilings and
    /// output that contains every one of `needles`.
    static func expectRejected(_ command: String, _ file: String, mentioning needles: [String],
                               timeout: Double = 30) throws -> ChildProcess.Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build medprep first: \(binary)")
        var arguments = [command, file]
        if command == "run" { arguments.append("--no-progress") }
        let (outcome, peakKiB) = try run(arguments, timeout: timeout)
        print("medprep \(command) \((file as NSString).lastPathComponent): exit \(outcome.status), "
            + String(format: "%.3f s, peak RSS %d KiB (wait4 %d KiB)", outcome.seconds, peakKiB, outcome.peakResidentKiB))
        #expect(!outcome.timedOut, "medprep \(command) still running after \(timeout) s")
        #expect(outcome.status == 2, "\(outcome.transcript.prefix(2000))")
        #expect(outcome.seconds < secondsCeiling, "took \(outcome.seconds) s")
        #expect(peakKiB < memoryCeilingKiB, "peak RSS \(peakKiB) KiB")
        let said = outcome.standardOutput + outcome.standardError
        for needle in needles {
            #expect(said.contains(needle), "no '\(needle)' in: \(said.prefix(2000))")
        }
        return outcome
    }

    /// Runs medprep, killing it after `timeout` seconds, with its peak RSS: `ru_maxrss` from `wait4` when it
    /// exceeds this test process's own high-water mark, else (it may be this process's, see
    /// `ChildProcess.waitSamplingPeak`) the child's `VmHWM`, sampled every 2 ms while it runs.
    static func run(_ arguments: [String], timeout: Double) throws -> (ChildProcess.Outcome, peakKiB: Int) {
        let child = try ChildProcess(binary, arguments)
        let start = Date()
        var sampled = 0
        var killed = false
        while !child.hasExited {
            sampled = max(sampled, highWaterMarkKiB(of: "\(child.pid)"))
            if !killed, Date().timeIntervalSince(start) > timeout {
                child.kill()
                killed = true
            }
            usleep(2_000)
        }
        var outcome = child.wait()
        outcome.timedOut = killed
        let peak = outcome.peakResidentKiB > highWaterMarkKiB(of: "self") ? outcome.peakResidentKiB : sampled
        return (outcome, peak)
    }

    /// `VmHWM` of `/proc/<process>/status` in KiB, 0 when unreadable.
    static func highWaterMarkKiB(of process: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }

    /// Ten anchors, each a list of ten aliases of the one before (10¹⁰ leaves), and the last used as a mapping
    /// key: composing hashes the key in full.
    @Test(arguments: commands) func aliasKeyBombIsRefusedBeforeComposing(command: String) throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lines = ["a0: &a0 [x]"]
        for level in 1...10 {
            lines.append("l\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("? *a10\n: 1")
        let file = root + "/bomb.yaml"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Self.expectRejected(command, file, mentioning: [file + ":1:5:", "YAML anchor '&a0'", "no anchors or aliases"])
    }

    /// An alias of a plain scalar value (no key, no bomb) is refused too, at its own line and column.
    @Test func aliasValueIsRefusedWithItsPosition() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/alias.yaml"
        let text = Self.pipeline(root).replacingOccurrences(of: "name: bounded", with: "name: *ref")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Self.expectRejected("validate", file, mentioning: [file + ":2:7:", "YAML alias '*ref'"])
    }

    /// `&` and `*` inside quoted scalars, plain scalars, comments and block scalars are text, not anchors.
    @Test func ampersandsAndStarsInTextAreAccepted() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/text.yaml"
        let text = """
            # Scans & labels: *every* file, &all of them
            version: 1
            name: stars
            input:
              directory: \(root)/input
              include: ["*.nii.gz", '&odd/*.nii', a*b/*.nii]
              exclude:
                - "*tmp*"
                - x&y/**
            stages:
              - normalize: {method: groupnorm, groups: 1}   # not *an alias
            output:
              directory: \(root)/out

            """
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let (outcome, _) = try Self.run(["validate", file], timeout: 30)
        #expect(outcome.status == 0, "\(outcome.transcript)")
        #expect(outcome.standardOutput == "\(file): valid\n", "\(outcome.transcript)")
    }

    /// 57 MB of 3 M distinct unknown keys: refused from its size (fstat) before it is read.
    @Test(arguments: commands) func oversizedFileIsRefusedBeforeReading(command: String) throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/huge.yaml"
        // Line `kCCIIIII: 123456789`: chunk number CC, index IIIII in the chunk; only CC changes between chunks.
        let lineCount = 3_000_000
        let linesPerChunk = 50_000
        let lineLength = 20
        var chunk = [UInt8]()
        for index in 0..<linesPerChunk {
            chunk += Array(String(format: "k00%05d: 123456789\n", index).utf8)
        }
        try Self.writeChunks(to: file, count: lineCount / linesPerChunk) { chunkIndex in
            chunk.withUnsafeMutableBufferPointer { bytes in
                for line in stride(from: 0, to: bytes.count, by: lineLength) {
                    bytes[line + 1] = UInt8(ascii: "0") + UInt8(chunkIndex / 10)
                    bytes[line + 2] = UInt8(ascii: "0") + UInt8(chunkIndex % 10)
                }
            }
            return chunk
        }
        let size = lineCount * lineLength
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        try #require((attributes[.size] as? Int) == size)
        _ = try Self.expectRejected(command, file, mentioning: [file + ": pipeline file is \(size) bytes",
                                                                 "cap of 1048576 bytes"])
    }

    /// A character device without end (`/dev/zero`): at most 1 MiB + 1 bytes are read.
    @Test func endlessDeviceIsRefusedAfterTheCap() throws {
        _ = try Self.expectRejected("validate", "/dev/zero", mentioning: ["/dev/zero: pipeline file has more than 1048576 bytes"],
                                    timeout: 10)
    }

    /// A valid pipeline with one byte 0xFF in a comment: refused with its byte offset, never repaired to U+FFFD.
    @Test(arguments: commands) func nonUTF8FileIsRefusedWithTheOffset(command: String) throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/latin1.yaml"
        let head = Array("# r\u{E9}sum\u{E9}: ".utf8)
        let bytes = head + [0xFF] + Array(" (Latin-1)\n".utf8) + Array(Self.pipeline(root).utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        _ = try Self.expectRejected(command, file, mentioning: [file + ": pipeline file is not UTF-8",
                                                                 "byte offset \(head.count) (line 1, byte 0xFF)"])
    }

    /// 150,000 list items in 300 KB (under the size cap): refused at node 100,001 before composing.
    @Test func nodeCountIsCapped() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/nodes.yaml"
        try ("x: [" + Array(repeating: "1", count: 150_000).joined(separator: ",") + "]\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Self.expectRejected("validate", file, mentioning: ["more than 100000 YAML nodes"])
    }

    /// 999 nested flow lists around 99,000 values (under the size and node caps): libyaml's scanner works in
    /// proportion to the nesting on every token, so the file is refused at nesting level 65.
    @Test func deepFlowNestingIsRefusedEarly() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/deep.yaml"
        let text = String(repeating: "[", count: 999) + Array(repeating: "1", count: 99_000).joined(separator: ",")
            + String(repeating: "]", count: 999) + "\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try Self.expectRejected("validate", file, mentioning: [file + ":1:65:", "nested more than 64 deep"], timeout: 60)
    }

    /// 2000 unknown keys and 5 missing required keys: the first 50 issues are printed, then the count of the rest.
    @Test(arguments: commands) func printedIssuesAreCapped(command: String) throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/keys.yaml"
        try (0..<2000).map { "unknown\($0): 1\n" }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try Self.expectRejected(command, file, mentioning: ["found unknown key 'unknown49' in the pipeline"])
        let lines = (outcome.standardOutput + outcome.standardError).split(separator: "\n")
        #expect(lines.count == 51, "\(lines.count) lines")
        #expect(lines.filter { $0.hasPrefix(file + ":") }.count == 50)
        #expect(lines.last == "… and 1955 more issues")
    }

    /// Writes the `count` chunks `chunk(0)`, `chunk(1)`… to a new file at `path`.
    static func writeChunks(to path: String, count: Int, chunk: (Int) -> [UInt8]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw POSIXError(.EIO) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        for index in 0..<count {
            try handle.write(contentsOf: chunk(index))
        }
    }
}

import Foundation
import MedPrepTestSupport
@testable import MedPrepPipeline
import Testing

/// The limits checked before composing: strict UTF-8 (against Python's decoder) and the libyaml event scan.
struct PipelineLimitsTests {
    /// Offsets of the first invalid byte from Python: `bytes(b).decode("utf-8")` raises with `.start`.
    @Test(arguments: [
        ([0x61, 0xC0, 0x80], 1),                 // overlong NUL
        ([0xE0, 0x9F, 0xBF], 0),                 // overlong 3-byte
        ([0xED, 0xA0, 0x80], 0),                 // surrogate U+D800
        ([0xF4, 0x90, 0x80, 0x80], 0),           // U+110000
        ([0xF0, 0x8F, 0xBF, 0xBF], 0),           // overlong 4-byte
        ([0x41, 0xE2, 0x82], 1),                 // truncated at the end
        ([0xE2, 0x82, 0x41], 0),                 // bad continuation
        ([0xC3, 0xA9, 0xFF], 2),                 // é then 0xFF
        ([0xF5, 0x80, 0x80, 0x80], 0),           // lead byte past F4
        ([0x80], 0),                             // lone continuation
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(PipelineFile.firstInvalidUTF8(in: bytes) == offset)
    }

    @Test func validUTF8() {
        let text = "a é € 😀 \u{D7FF} \u{E000} \u{10FFFF} \u{7F}"
        #expect(PipelineFile.firstInvalidUTF8(in: Array(text.utf8)) == nil)
    }

    /// 400 random byte strings (random bytes mixed with valid multi-byte characters): offsets agree with Python.
    @Test func randomBytesAgreeWithPython() throws {
        var generator = SplitMix(seed: 14)
        let pieces: [[UInt8]] = [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x41], [0xED, 0x9F, 0xBF]]
        let samples: [[UInt8]] = (0..<400).map { _ in
            var bytes = [UInt8]()
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                } else {
                    bytes += pieces.randomElement(using: &generator)!
                }
            }
            return bytes
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("utf8-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: input) }
        try samples.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
            .write(to: input, atomically: true, encoding: .utf8)
        let script = """
            import sys
            for line in open(sys.argv[1]).read().split("\\n"):
                try:
                    bytes.fromhex(line).decode("utf-8"); print(-1)
                except UnicodeDecodeError as e:
                    print(e.start)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, input.path]
        let pipe = Pipe()
        python.standardOutput = pipe
        try python.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0)
        let expected = String(decoding: output, as: UTF8.self).split(separator: "\n").map { Int($0)! }
        try #require(expected.count == samples.count)
        #expect(expected.contains(-1) && expected.contains { $0 >= 0 })
        for (bytes, offset) in zip(samples, expected) {
            #expect(PipelineFile.firstInvalidUTF8(in: bytes) == (offset < 0 ? nil : offset), "\(bytes)")
        }
    }

    /// Anchors and aliases anywhere (nested, in a later document, on a key) are found; `&` and `*` as text are not.
    @Test(arguments: [
        ("a:\n  b: [1, &x 2]\n", "2:10: found the YAML anchor '&x'"),
        ("a: 1\n---\nb: *y\n", "3:4: found the YAML alias '*y'"),
        ("{? &k [1] : 2}\n", "1:4: found the YAML anchor '&k'"),
        ("a: !!str &t v\n", "1:4: found the YAML anchor '&t'"),
    ])
    func anchorsAndAliasesAreFound(text: String, expected: String) throws {
        let issue = try #require(YAMLEventScan.problem(in: text, file: "p.yaml"))
        #expect(issue.description.hasPrefix("p.yaml:" + expected), "\(issue)")
    }

    @Test(arguments: [
        "a: |\n  *not an alias\n  &nor an anchor\nb: 'x *y &z'\n",
        "a: >-\n  line\n  *still text\n",
        "a: x*y&z\nb: \"*q\"  # *comment &here\n",
        "a: plain\n  *continuation line\n",
    ])
    func textIsNotAnAnchor(text: String) {
        #expect(YAMLEventScan.problem(in: text, file: "p.yaml") == nil)
    }

    @Test func nodesAndDepthAreCapped() throws {
        let wide = "[" + Array(repeating: "1", count: 11).joined(separator: ",") + "]"
        #expect(YAMLEventScan.problem(in: wide, file: "p.yaml", maxNodes: 12) == nil)
        let many = try #require(YAMLEventScan.problem(in: wide, file: "p.yaml", maxNodes: 11))
        #expect(many.message.hasPrefix("found more than 11 YAML nodes"))
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(YAMLEventScan.problem(in: String(deep.dropFirst().dropLast()), file: "p.yaml") == nil)
        let tooDeep = try #require(YAMLEventScan.problem(in: deep, file: "p.yaml"))
        #expect(tooDeep.description.hasPrefix("p.yaml:1:65: found lists and mappings nested more than 64 deep"))
    }
}

import Foundation
import Testing
@testable import MedPrepCore

/// `OutputTreeProbe`: the statuses of `OutputTree.status(of:)` through kept directory descriptors, with the same
/// refusals (paths not contained, symbolic links, non-regular files).
@Suite struct OutputTreeProbeTests {
    typealias Layout = OutputTreeTests.Layout

    @Test func statusesEqualTheTreesAndKeepAtMostCapacityDirectories() throws {
        let layout = try Layout("probe-status")
        defer { layout.folder.cleanUp() }
        var paths = ["top.bin"]
        for directory in 0 ..< 5 {
            for file in 0 ..< 3 { paths.append("d\(directory)/sub/f\(file).bin") }
        }
        for (index, path) in paths.enumerated() { try layout.tree.write(Array(repeating: UInt8(1), count: index + 1), to: path) }
        let probe = OutputTreeProbe(tree: layout.tree, capacity: 2)
        for _ in 0 ..< 2 {
            for path in paths + ["absent.bin", "d0/sub/absent.bin", "absent/x.bin", "d9/sub/x.bin"] {
                #expect(try probe.status(of: path) == layout.tree.status(of: path), "\(path)")
            }
        }
        #expect(try probe.status(of: "d3/sub/f2.bin")?.size == 13)
    }

    @Test func linksAndHostilePathsAreRefusedAsByTheTree() throws {
        let layout = try Layout("probe-refusals")
        defer { layout.folder.cleanUp() }
        try layout.tree.write(text: "x", to: "d/out.bin")
        let probe = OutputTreeProbe(tree: layout.tree)
        #expect(try probe.status(of: "d/out.bin")?.size == 1)
        try layout.link("link.bin", to: layout.victim + "/precious")
        try layout.link("sub", to: layout.victim)
        try layout.link("d/inner.bin", to: layout.victim + "/precious")
        for relative in ["link.bin", "sub/precious", "d/inner.bin"] {
            #expect(throws: MedPrepError.self, "\(relative)") { try probe.status(of: relative) }
        }
        try FileManager.default.createDirectory(atPath: layout.root + "/d/dir.bin", withIntermediateDirectories: true)
        #expect(throws: MedPrepError.self) { try probe.status(of: "d/dir.bin") }
        let hostile = ["../victim/precious", "../../victim/precious", "a/../../victim/precious", "/etc/passwd",
                       layout.victim + "/precious", "", ".", "a/./b", "a//b", "a/", "a\u{0}b", "..", "d/..", "./d"]
        for relative in hostile {
            #expect(!OutputTreeProbe.isContained(relative), "\(relative)")
            #expect(throws: MedPrepError.self, "\(relative)") { try probe.status(of: relative) }
        }
        for relative in ["a/b.nii.gz", ".medprep/x", "...", "a/.../b", "d/out.bin", "..a/b.."] {
            #expect(OutputTreeProbe.isContained(relative) == OutputTree.isContained(relative), "\(relative)")
            #expect(OutputTreeProbe.isContained(relative), "\(relative)")
        }
        #expect(layout.victimIntact)
    }
}

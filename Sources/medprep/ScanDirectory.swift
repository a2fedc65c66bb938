import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepPipeline

/// The scans of a directory for the subcommands that take one (`stats`, `compare-norms`): the same discovery
/// as pipeline runs (sorted, hidden files and special files skipped with a note).
enum ScanDirectory {
    static func cases(_ directory: String, include: [String]) throws -> [InputCase] {
        let absolute = PathResolution.absolute(directory, base: PathResolution.currentDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory")
        }
        let patterns = try include.map { text -> GlobPattern in
            guard let pattern = GlobPattern(text) else {
                throw ValidationError("invalid --include pattern \(text)")
            }
            return pattern
        }
        let result = try InputDiscovery(directory: absolute, include: patterns).discover()
        for skipped in result.skipped {
            FileHandle.standardError.write(Data("note: \(skipped.description)\n".utf8))
        }
        for conflict in result.conflicts {
            FileHandle.standardError.write(Data("note: left out: \(conflict.description)\n".utf8))
        }
        return result.cases
    }
}

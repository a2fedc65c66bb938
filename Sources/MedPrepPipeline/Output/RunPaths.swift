import Foundation
import MedPrepCore

/// The one check of where a run reads and writes, applied to the effective run: the directories however they were
/// given (pipeline file, `--input`, `--output`, a Slurm script).
///
/// Rule: the output directory and every directory the run reads from (the input directory, and the fixed directory
/// part of the label pattern) must be disjoint, neither inside the other nor equal. It is checked twice, on the
/// lexical paths and on the paths with their existing parts resolved by `realpath(3)`, so that `out -> input` or an
/// input reached through a symbolic link is recognised as well. The runner checks before it takes the lock, so a
/// violating run writes nothing, not even `.medprep/`.
package enum RunPaths {
    /// A violation: a directory that is written and one that is read overlap.
    package struct Overlap: Error, Sendable, CustomStringConvertible {
        /// What is read (`input directory` or `label directory`) and its path as given.
        package var readRole: String
        package var readPath: String
        package var outputPath: String
        /// The resolved paths when they, not the lexical ones, overlap.
        package var resolved: (read: String, output: String)?

        package var description: String {
            var text = "output directory \(outputPath) overlaps the \(readRole) \(readPath)"
            if let resolved { text += " (after resolving symbolic links: \(resolved.output) and \(resolved.read))" }
            return text
        }

        /// What to do about it.
        package var advice: String {
            "medprep would read its own outputs or overwrite its inputs; choose an output directory outside the "
                + "\(readRole) and not one of its parents (for example a sibling directory)"
        }
    }

    /// The directories `pipeline` reads from, with their roles.
    static func readDirectories(_ pipeline: ResolvedPipeline) -> [(role: String, path: String)] {
        var directories = [(role: "input directory", path: pipeline.inputDirectory)]
        if let pattern = pipeline.labelPattern, let marker = pattern.range(of: "{case}") {
            let fixed = String(pattern[..<marker.lowerBound])
            let directory = fixed.hasSuffix("/") ? String(fixed.dropLast()) : (fixed as NSString).deletingLastPathComponent
            directories.append((role: "label directory", path: PathResolution.normalize(directory.isEmpty ? "/" : directory)))
        }
        return directories
    }

    /// Every overlap between the output directory and a directory the run reads.
    package static func overlaps(_ pipeline: ResolvedPipeline) -> [Overlap] {
        let output = pipeline.outputDirectory
        let resolvedOutput = resolvingExistingPart(output)
        return readDirectories(pipeline).compactMap { role, path in
            if overlap(output, path) { return Overlap(readRole: role, readPath: path, outputPath: output) }
            let resolvedRead = resolvingExistingPart(path)
            if overlap(resolvedOutput, resolvedRead) {
                return Overlap(readRole: role, readPath: path, outputPath: output, resolved: (resolvedRead, resolvedOutput))
            }
            return nil
        }
    }

    /// Every overlap as a pipeline issue at `output.directory`, naming both paths.
    package static func issues(_ pipeline: ResolvedPipeline) -> [PipelineIssue] {
        overlaps(pipeline).map {
            PipelineIssue(file: pipeline.file, at: pipeline.sourceMap.location("output.directory"),
                          found: $0.description, expected: "an output directory outside the \($0.readRole) and not one of its parents")
        }
    }

    /// - Throws: `MedPrepError(.invalidArgument)` naming both paths of the first overlap; the command line exits 2.
    package static func check(_ pipeline: ResolvedPipeline) throws {
        guard let overlap = overlaps(pipeline).first else { return }
        throw MedPrepError(.invalidArgument, path: nil, reason: "refusing to run: \(overlap.description); \(overlap.advice). "
            + "Nothing was written")
    }

    static func overlap(_ a: String, _ b: String) -> Bool {
        PathResolution.isWithin(a, directory: b) || PathResolution.isWithin(b, directory: a)
    }

    /// `path` (absolute, normalized) with its longest existing prefix replaced by that prefix's `realpath`, and the
    /// rest appended lexically.
    static func resolvingExistingPart(_ path: String) -> String {
        var prefix = path
        var rest: [String] = []
        while true {
            if let resolved = realpath(prefix) {
                return PathResolution.normalize(([resolved] + rest.reversed()).joined(separator: "/"))
            }
            guard prefix != "/", !prefix.isEmpty else { return path }
            rest.append((prefix as NSString).lastPathComponent)
            prefix = (prefix as NSString).deletingLastPathComponent
        }
    }

    /// The run's own files under `<output>/.medprep` that are opened by path: none of them, nor the directories
    /// leading to them, may be a symbolic link, so that the lock, the state store and the statistics files never
    /// land outside the output directory.
    /// - Throws: `MedPrepError(.io)` naming the link (the command line exits 74).
    package static func checkStateDirectory(_ pipeline: ResolvedPipeline, stateDirectory: String) throws {
        var paths = [pipeline.stateDirectory]
        if stateDirectory != pipeline.stateDirectory { paths.append(stateDirectory) }
        for directory in [pipeline.stateDirectory, stateDirectory] {
            paths += ["lock", "shards.lock", "state.sqlite", "state.sqlite-wal", "state.sqlite-shm", "statistics.json",
                      "statistics-cache", "groups"].map { directory + "/" + $0 }
        }
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                throw MedPrepError(.io, path: path, reason: "is a symbolic link inside the output directory; medprep never "
                    + "follows links for its own state files: remove it (the run recreates what it needs)")
            }
        }
    }

    /// For commands that write named files next to no state store (`medprep normalize`): every planned output
    /// (path and the input it comes from, nil for reports) must be neither an input file, compared lexically and
    /// after `realpath`, nor the output of two inputs. Returns one message per clash, naming the paths.
    package static func clashes(outputs: [(path: String, source: String?)], inputs: [String]) -> [String] {
        let base = PathResolution.currentDirectory
        func key(_ path: String) -> String { resolvingExistingPart(PathResolution.absolute(path, base: base)) }
        var inputKeys = [String: String]()
        for input in inputs { inputKeys[key(input)] = input }
        var messages = [String]()
        var owners = [String: String]()
        for output in outputs {
            let resolved = key(output.path)
            if let input = inputKeys[resolved] {
                messages.append("output \(output.path) would overwrite the input \(input); choose an --output directory "
                    + "that holds no input")
            }
            if let source = output.source, let owner = owners[resolved], owner != source {
                messages.append("inputs \(owner) and \(source) would both write \(output.path); normalize them into "
                    + "separate --output directories")
            }
            if let source = output.source { owners[resolved] = owners[resolved] ?? source }
        }
        return messages
    }
}

import Foundation
import MedPrepCore
import MedPrepDecode

/// Finds the input cases under a directory.
///
/// The walk uses `lstat`/`stat` only and opens nothing but directories, so FIFOs, sockets and devices are
/// noted and never read. Hidden entries (names starting with `.`) are skipped silently. Symbolic links are
/// followed only when their target lies inside the input directory (compared after `realpath`); links out of
/// the tree, dangling links, links back to a directory being walked and names that are not UTF-8 are noted.
/// Results are sorted by UTF-8 bytes, so the order does not depend on the file system or locale.
public struct InputDiscovery: Sendable {
    public var directory: String
    public var include: [GlobPattern]
    public var exclude: [GlobPattern]
    public var channels: ChannelPattern?
    /// Absolute label path pattern with one `{case}`.
    public var labels: String?

    public init(directory: String, include: [GlobPattern], exclude: [GlobPattern] = [],
                channels: ChannelPattern? = nil, labels: String? = nil) {
        self.directory = directory
        self.include = include
        self.exclude = exclude
        self.channels = channels
        self.labels = labels
    }

    /// Discovery as a resolved pipeline declares it.
    /// - Throws: `MedPrepError(.invalidArgument)` if a pattern does not compile (the parser rejects those first).
    public init(_ pipeline: ResolvedPipeline) throws {
        func compile(_ text: String) throws -> GlobPattern {
            guard let pattern = GlobPattern(text) else {
                throw MedPrepError(.invalidArgument, path: pipeline.file, reason: "invalid glob pattern '\(text)'")
            }
            return pattern
        }
        var channels: ChannelPattern?
        if let text = pipeline.channelPattern {
            guard let pattern = ChannelPattern(text) else {
                throw MedPrepError(.invalidArgument, path: pipeline.file, reason: "invalid channel pattern '\(text)'")
            }
            channels = pattern
        }
        self.init(directory: pipeline.inputDirectory, include: try pipeline.include.map(compile),
                  exclude: try pipeline.exclude.map(compile), channels: channels, labels: pipeline.labelPattern)
    }

    /// Walks the input directory.
    /// - Throws: `MedPrepError(.io)` if the input directory itself cannot be read.
    public func discover() throws -> DiscoveryResult {
        guard let root = realpath(directory) else {
            throw MedPrepError(.io, path: directory, reason: "cannot open input directory: \(String(cString: strerror(errno)))")
        }
        var walk = Walk(root: root, rootPath: directory, discovery: self)
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw MedPrepError(.io, path: directory, reason: "input is not a directory")
        }
        guard walk.visit(directoryPath: directory, relative: "", identity: FileIdentity(info)) else {
            throw MedPrepError(.io, path: directory, reason: "cannot read input directory: \(String(cString: strerror(errno)))")
        }
        var skipped = walk.skipped
        var conflicts = [CaseConflict]()
        let cases = group(walk.files, skipped: &skipped, conflicts: &conflicts)
        return DiscoveryResult(cases: cases.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) },
                               skipped: skipped.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) },
                               conflicts: conflicts.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) })
    }

    /// Whether a relative file path is selected by the include and exclude patterns.
    public func selects(_ relative: String) -> Bool {
        include.contains { $0.matches(relative) } && !exclude.contains { $0.matches(relative) }
    }

    /// The case id of a single-file input: its relative path without a format's compound suffix (`ScanFileFormats`:
    /// `.nii.gz`, `.hdr.gz`, `.img.gz`; matched case-sensitively), else without its last extension.
    public static func caseID(forRelativePath relative: String) -> String {
        for suffix in compoundSuffixes where relative.hasSuffix(suffix) {
            return String(relative.dropLast(suffix.count))
        }
        let name = (relative as NSString).lastPathComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return relative }
        return String(relative.dropLast(name.distance(from: dot, to: name.endIndex)))
    }

    /// The formats' suffixes of more than one extension, longest first.
    static let compoundSuffixes = ScanFileFormats.suffixes.filter { $0.dropFirst().contains(".") }.sorted { $0.count > $1.count }

    /// Turns selected files into cases: one per DICOM series (`dicomSeriesCases`) and one per other file, or grouped
    /// by the channel pattern; attaches labels. Files
    /// that map to one case id (`scan.png` beside `scan.nii`) make no case: each is named in a `CaseConflict`.
    private func group(_ files: [String], skipped: inout [SkippedInput], conflicts: inout [CaseConflict]) -> [InputCase] {
        var cases = [InputCase]()
        if let channels {
            var groups = [String: [(channel: Int, relative: String)]]()
            for relative in files {
                let name = (relative as NSString).lastPathComponent
                let parent = (relative as NSString).deletingLastPathComponent
                guard let (caseName, channel) = channels.match(name) else {
                    skipped.append(SkippedInput(path: relative, reason: .channelPatternMismatch,
                                                detail: "name does not match the channel pattern \(channels.text)"))
                    continue
                }
                groups[parent.isEmpty ? caseName : parent + "/" + caseName, default: []].append((channel, relative))
            }
            let expected = Set(groups.values.flatMap { $0.map(\.channel) }).sorted()
            for (id, members) in groups {
                let numbers = members.map(\.channel)
                if Set(numbers).count != numbers.count {
                    skipped.append(SkippedInput(path: id, reason: .duplicateChannel,
                                                detail: "a channel number appears twice in \(members.map(\.relative).sorted())",
                                                caseID: id, relativePaths: members.map(\.relative).sorted()))
                    continue
                }
                let missing = expected.filter { !numbers.contains($0) }
                guard missing.isEmpty else {
                    skipped.append(SkippedInput(path: id, reason: .missingChannel,
                                                detail: "case lacks channel(s) \(missing) that other cases have",
                                                caseID: id, relativePaths: members.sorted { $0.channel < $1.channel }.map(\.relative)))
                    continue
                }
                let ordered = members.sorted { $0.channel < $1.channel }
                cases.append(InputCase(id: id, relativePaths: ordered.map(\.relative),
                                       paths: ordered.map { directory + "/" + $0.relative }, channelNumbers: ordered.map(\.channel)))
            }
        } else {
            let (series, others) = dicomSeriesCases(files, skipped: &skipped)
            cases = series
            var claimants = [String: [String]]()
            var order = [String]()
            for relative in others {
                let id = Self.caseID(forRelativePath: relative)
                if let owners = claimants[id] {
                    // The `.img` of a selected `.hdr` is the data half of that case, not a claimant of its own.
                    if !owners.contains(where: { ScanFileFormats.isCompanion(relative, of: $0) }) {
                        claimants[id]?.append(relative)
                    }
                    continue
                }
                claimants[id] = [relative]
                order.append(id)
            }
            for id in order {
                let owners = claimants[id] ?? []
                guard owners.count == 1 else {
                    conflicts.append(CaseConflict(id: id, relativePaths: owners))
                    continue
                }
                cases.append(InputCase(id: id, relativePaths: owners, paths: [directory + "/" + owners[0]], channelNumbers: [0]))
            }
        }
        guard let labels else { return cases }
        return cases.compactMap { item in
            var item = item
            let path = labels.replacingOccurrences(of: "{case}", with: item.id)
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                skipped.append(SkippedInput(path: path, reason: .missingLabel, detail: "no regular label file for case \(item.id)",
                                            caseID: item.id, relativePaths: item.relativePaths))
                return nil
            }
            item.label = SourceFiles(path: path)
            return item
        }
    }
}

/// Device and inode of a directory, to recognise it when a link leads back to it.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// `realpath(3)` as a String, nil on failure.
func realpath(_ path: String) -> String? {
    guard let resolved = Foundation.realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

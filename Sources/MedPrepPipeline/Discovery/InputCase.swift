import Foundation

/// One unit of work: a scan made of one file per channel (usually one file), optionally with a label map.
public struct InputCase: Hashable, Sendable {
    /// Relative case id without extension (`sub/case01`); outputs mirror it (`<output>/sub/case01.nii.gz`).
    public var id: String
    /// Channel files relative to the input directory, in channel order.
    public var relativePaths: [String]
    /// Channel files as absolute paths, in channel order.
    public var paths: [String]
    /// Channel numbers from the channel pattern (`[0]` for single-file cases).
    public var channelNumbers: [Int]
    /// Absolute path of the label map, when the pipeline declares a label pattern.
    public var labelPath: String?

    public init(id: String, relativePaths: [String], paths: [String], channelNumbers: [Int], labelPath: String? = nil) {
        self.id = id
        self.relativePaths = relativePaths
        self.paths = paths
        self.channelNumbers = channelNumbers
        self.labelPath = labelPath
    }

    /// Every file the case's outputs depend on, for the state store: the channel files, each with the other half
    /// of its `.hdr/.img` pair when there is one, then the label map (with its pair half).
    public var fingerprintedPaths: [String] {
        (paths + (labelPath.map { [$0] } ?? [])).flatMap { [$0] + Self.pairHalves(of: $0) }
    }

    /// The existing other half of an Analyze-style NIfTI pair: `x.img` or `x.img.gz` for `x.hdr`/`x.hdr.gz`,
    /// and the reverse; none for other files.
    static func pairHalves(of path: String) -> [String] {
        let halves: [(String, [String])] = [(".hdr", [".img", ".img.gz"]), (".hdr.gz", [".img.gz", ".img"]),
                                            (".img", [".hdr", ".hdr.gz"]), (".img.gz", [".hdr.gz", ".hdr"])]
        guard let (suffix, others) = halves.first(where: { path.lowercased().hasSuffix($0.0) }) else { return [] }
        let stem = String(path.dropLast(suffix.count))
        let found = others.map { stem + (path.hasSuffix(suffix) ? $0 : $0.uppercased()) }.first {
            var info = stat()
            return stat($0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        return found.map { [$0] } ?? []
    }

    /// Whether `relative` is the `.img` half of the pair whose header is `header` (both relative paths).
    static func isPairHalf(_ relative: String, of header: String) -> Bool {
        let lowered = relative.lowercased(), headerLowered = header.lowercased()
        return (lowered.hasSuffix(".img") || lowered.hasSuffix(".img.gz"))
            && (headerLowered.hasSuffix(".hdr") || headerLowered.hasSuffix(".hdr.gz"))
    }
}

/// A file or directory discovery left out, with why. Hidden entries and files the include patterns do not
/// match are left out silently and never appear here.
public struct SkippedInput: Hashable, Sendable, CustomStringConvertible {
    public enum Reason: String, Hashable, Sendable, Codable {
        case fifo
        case socket
        case device
        /// A symbolic link whose target lies outside the input directory.
        case symlinkOutside = "symlink_outside"
        /// A symbolic link leading back to a directory being walked, or a chain of links without end.
        case symlinkLoop = "symlink_loop"
        case danglingSymlink = "dangling_symlink"
        /// A directory reached a second time through a symbolic link.
        case alreadyVisited = "already_visited"
        /// A name that is not valid UTF-8 (such paths cannot be mirrored into the output tree).
        case nonUTF8Name = "non_utf8_name"
        case unreadable
        /// A file the channel pattern does not match.
        case channelPatternMismatch = "channel_pattern_mismatch"
        /// A case lacking some channel that other cases have, or with a channel twice.
        case missingChannel = "missing_channel"
        case duplicateChannel = "duplicate_channel"
        /// A case whose label map does not exist or is not a regular file.
        case missingLabel = "missing_label"
    }

    /// Path relative to the input directory (absolute for label maps); undecodable bytes shown as U+FFFD.
    public var path: String
    public var reason: Reason
    /// A human-readable detail.
    public var detail: String

    public init(path: String, reason: Reason, detail: String) {
        self.path = path
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(path): skipped (\(reason.rawValue)): \(detail)" }
}

/// Files of different formats that map to one case id (`scan.png` and `scan.nii`, `a.nii` and `a.nii.gz`).
///
/// Neither becomes a case: processing one and skipping the other would hide a file, and both cannot share the
/// case's output paths. A run reports each file as failed, so the user renames or excludes one of them.
public struct CaseConflict: Hashable, Sendable, CustomStringConvertible {
    /// The case id both files map to.
    public var id: String
    /// The files, relative to the input directory, in discovery order.
    public var relativePaths: [String]

    public init(id: String, relativePaths: [String]) {
        self.id = id
        self.relativePaths = relativePaths
    }

    public var description: String {
        "files \(relativePaths.joined(separator: ", ")) all map to case id \(id) (and to its output paths); rename one "
            + "of them, or leave all but one out with input.exclude"
    }
}

/// What `InputDiscovery.discover` found.
public struct DiscoveryResult: Hashable, Sendable {
    /// Cases sorted by id (UTF-8 byte order).
    public var cases: [InputCase]
    /// Notes, sorted by path.
    public var skipped: [SkippedInput]
    /// Case ids claimed by more than one file, sorted by id; none of those files is in `cases`.
    public var conflicts: [CaseConflict]

    public init(cases: [InputCase], skipped: [SkippedInput], conflicts: [CaseConflict] = []) {
        self.cases = cases
        self.skipped = skipped
        self.conflicts = conflicts
    }
}

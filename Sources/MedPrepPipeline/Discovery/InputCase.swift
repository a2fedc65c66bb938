import Foundation
import MedPrepDecode

/// The files one scan is read from: the file a reader opens, then the files read with it (the `.img` of a
/// `.hdr/.img` pair). A case's fingerprint covers all of them.
public struct SourceFiles: Hashable, Sendable {
    /// Absolute path of the file the scan is read through and named by.
    public var path: String
    /// Absolute paths of the other files the scan is read from, in the format's order (for a DICOM series: its
    /// other slices' files, sorted).
    public var companions: [String]
    /// For a DICOM series case: the assembled series (read by `DICOMSeriesReader`), or why it could not be assembled.
    package var dicomSeries: DICOMSeriesSource? {
        get { series?.source }
        set { series = newValue.map(SeriesBox.init) }
    }
    /// `dicomSeries` out of line: a case is copied through several arrays in a run, and a series inline would
    /// make every case (and every file source) as large as the series description, whether it has one or not.
    private var series: SeriesBox?

    public init(path: String, companions: [String]) {
        self.path = path
        self.companions = companions
    }

    /// The files of a DICOM series case (`path` is its first file).
    package init(path: String, companions: [String], dicomSeries: DICOMSeriesSource) {
        self.init(path: path, companions: companions)
        self.dicomSeries = dicomSeries
    }

    /// `path` with the companions its format names that exist now (`ScanFileFormats.companions(of:)`).
    public init(path: String) {
        self.init(path: path, companions: ScanFileFormats.companions(of: path))
    }

    /// `path`, then the companions.
    public var files: [String] { [path] + companions }

    /// The boxed `dicomSeries`, compared and hashed by value.
    final class SeriesBox: Hashable, Sendable {
        let source: DICOMSeriesSource

        init(_ source: DICOMSeriesSource) { self.source = source }

        static func == (lhs: SeriesBox, rhs: SeriesBox) -> Bool { lhs.source == rhs.source }

        func hash(into hasher: inout Hasher) { hasher.combine(source) }
    }
}

/// One unit of work: a scan made of one source per channel (usually one channel), optionally with a label map.
/// Each source is a list of files (`SourceFiles`), so a scan read from several files is still one case.
public struct InputCase: Hashable, Sendable {
    /// Relative case id without extension (`sub/case01`); outputs mirror it (`<output>/sub/case01.nii.gz`).
    public var id: String
    /// The file each channel is read through, relative to the input directory, in channel order.
    public var relativePaths: [String]
    /// The files of each channel, in channel order.
    public var channels: [SourceFiles]
    /// Channel numbers from the channel pattern (`[0]` for single-file cases).
    public var channelNumbers: [Int]
    /// The files of the label map, when the pipeline declares a label pattern.
    public var label: SourceFiles?

    public init(id: String, relativePaths: [String], channels: [SourceFiles], channelNumbers: [Int],
                label: SourceFiles? = nil) {
        self.id = id
        self.relativePaths = relativePaths
        self.channels = channels
        self.channelNumbers = channelNumbers
        self.label = label
    }

    /// A case whose channels and label map are each read through one absolute path, with the companions that
    /// exist now (`SourceFiles(path:)`).
    public init(id: String, relativePaths: [String], paths: [String], channelNumbers: [Int], labelPath: String? = nil) {
        self.init(id: id, relativePaths: relativePaths, channels: paths.map { SourceFiles(path: $0) },
                  channelNumbers: channelNumbers, label: labelPath.map { SourceFiles(path: $0) })
    }

    /// The file each channel is read through, absolute, in channel order.
    public var paths: [String] { channels.map(\.path) }

    /// Absolute path of the file the label map is read through.
    public var labelPath: String? { label?.path }

    /// Every file the case's outputs depend on, for the state store: each channel's files, then the label map's
    /// (a `.hdr` is followed by its `.img`).
    public var fingerprintedPaths: [String] {
        (channels + (label.map { [$0] } ?? [])).flatMap(\.files)
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
        /// A DICOM object that holds no scan (RTSTRUCT, SR, presentation state, DICOMDIR, no pixel matrix): a note,
        /// never a failure (`DICOMObjectKind`).
        case dicomNotImage = "dicom_not_image"

        /// Whether the note is about a case that was found but is incomplete (missing label or channel, a
        /// channel twice): such a case fails the run unless the pipeline says `input: {missing: skip}`.
        public var isIncompleteCase: Bool {
            switch self {
            case .missingLabel, .missingChannel, .duplicateChannel: true
            case .fifo, .socket, .device, .symlinkOutside, .symlinkLoop, .danglingSymlink, .alreadyVisited,
                 .nonUTF8Name, .unreadable, .channelPatternMismatch, .dicomNotImage: false
            }
        }
    }

    /// Path relative to the input directory (absolute for label maps); undecodable bytes shown as U+FFFD.
    public var path: String
    public var reason: Reason
    /// A human-readable detail.
    public var detail: String
    /// For an incomplete case (`Reason.isIncompleteCase`): its case id, and the files found for it, relative to
    /// the input directory in channel order.
    public var incompleteCase: (id: String, relativePaths: [String])? {
        caseID.map { ($0, caseFiles) }
    }
    private var caseID: String?
    private var caseFiles: [String]

    public init(path: String, reason: Reason, detail: String) {
        self.path = path
        self.reason = reason
        self.detail = detail
        caseID = nil
        caseFiles = []
    }

    /// A note about incomplete case `caseID`, whose files found so far are `relativePaths`.
    public init(path: String, reason: Reason, detail: String, caseID: String, relativePaths: [String]) {
        self.init(path: path, reason: reason, detail: detail)
        self.caseID = caseID
        caseFiles = relativePaths
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

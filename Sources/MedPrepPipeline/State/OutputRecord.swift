import Foundation
import MedPrepCore

/// Size, modification time and content hash of one input file when it was processed.
package struct InputFingerprint: Hashable, Sendable {
    /// Absolute path as discovery reported it.
    package var path: String
    package var size: Int64
    /// Modification time in nanoseconds since the Unix epoch (`st_mtim`).
    package var modifiedNanoseconds: Int64
    /// `ContentDigest` (XXH3-128, hex) of the contents.
    package var digest: String

    package init(path: String, size: Int64, modifiedNanoseconds: Int64, digest: String) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.digest = digest
    }

    /// `stat(2)` of `path`: size and modification time (following symbolic links).
    /// - Throws: `MedPrepError(.io)` if the file cannot be stat'ed or is not a regular file.
    package static func status(of path: String) throws -> (size: Int64, modifiedNanoseconds: Int64) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MedPrepError(.io, path: path, reason: "not a regular file")
        }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}

/// One written output file.
package struct OutputFile: Hashable, Sendable {
    /// Path relative to the output directory.
    package var path: String
    package var size: Int64
    /// `ContentDigest` (XXH3-128, hex) of the contents.
    package var digest: String
    /// Modification time in nanoseconds since the Unix epoch once written; nil in records of older versions.
    package var modifiedNanoseconds: Int64?

    package init(path: String, size: Int64, digest: String, modifiedNanoseconds: Int64? = nil) {
        self.path = path
        self.size = size
        self.digest = digest
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}

/// What the state store keeps for one processed case.
package struct OutputRecord: Hashable, Sendable {
    /// Case id (`InputCase.id`).
    package var caseID: String
    /// Input files (channels, then the label map if any), in order.
    package var inputs: [InputFingerprint]
    /// The pipeline hash the outputs were made with (`ResolvedPipeline.processingHash`).
    package var pipelineHash: String
    /// Hash of the dataset statistics used, if any.
    package var statisticsHash: String?
    package var medprepVersion: String
    package var outputs: [OutputFile]
    /// The case's per-group statistics as reported (JSON of `[GroupStatistics]`), for the reports of later runs
    /// that find it up to date; nil in records of older versions.
    package var groupsJSON: String?
    package var recordedAt: Date

    package init(caseID: String, inputs: [InputFingerprint], pipelineHash: String, statisticsHash: String?,
                medprepVersion: String, outputs: [OutputFile], groupsJSON: String? = nil, recordedAt: Date = Date()) {
        self.caseID = caseID
        self.inputs = inputs
        self.pipelineHash = pipelineHash
        self.statisticsHash = statisticsHash
        self.medprepVersion = medprepVersion
        self.outputs = outputs
        self.groupsJSON = groupsJSON
        self.recordedAt = recordedAt
    }
}

/// Whether a case needs processing.
package enum InputDecision: Hashable, Sendable {
    /// No record for this case.
    case new
    /// A record exists but something differs; the reason says what.
    case changed(String)
    /// The record matches the inputs, pipeline, statistics, version, and the outputs are in place.
    case upToDate
}

/// A decision plus the current fingerprints of the case's inputs, to pass on to `StateStore.record`.
package struct InputAssessment: Hashable, Sendable {
    package var decision: InputDecision
    package var inputs: [InputFingerprint]
    /// For an up-to-date case whose inputs or outputs were only touched (same content, new timestamps): its record
    /// with the new timestamps, to store so that the next run need not rehash them.
    package var refresh: OutputRecord?

    package init(decision: InputDecision, inputs: [InputFingerprint], refresh: OutputRecord? = nil) {
        self.decision = decision
        self.inputs = inputs
        self.refresh = refresh
    }
}

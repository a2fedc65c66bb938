import Foundation
import MedPrepCore
import MedPrepDecode

/// `medprep check`: nnU-Net's `verify_dataset_integrity` and dataset fingerprint in one pass over a dataset.
///
/// Cases are read one at a time (every file of the case decoded once: the non-finite count, label values and
/// foreground intensities need the voxels), summarised into a `CaseFingerprint`, folded into the dataset's
/// statistics and released, so memory is one case plus one summary row per case and the fixed-size sketches. A
/// file that cannot be read is a problem of its case; the other cases are still checked.
public struct DatasetCheck: Sendable {
    public let input: CheckInput

    public init(_ input: CheckInput) {
        self.input = input
    }

    /// Checks every case.
    /// - Throws: `MedPrepError(.io)` when the input directory itself cannot be read.
    public func run() throws -> CheckReport {
        let discovery = try input.discovery.discover()
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: input.maxVoxels))
        var problems: [CheckProblem] = []
        var notes: [String] = []
        for note in discovery.skipped {
            if let problem = CheckProblem.incomplete(note) { problems.append(problem) } else { notes.append(note.description) }
        }
        for conflict in discovery.conflicts {
            problems.append(CheckProblem(.caseConflict, caseID: conflict.id, conflict.description))
        }
        if discovery.cases.isEmpty, discovery.conflicts.isEmpty, !problems.contains(where: { $0.caseID != nil }) {
            problems.append(CheckProblem(.noInputs, caseID: nil,
                "no inputs matched \(input.include.joined(separator: ", ")) under \(input.discovery.directory)"))
        }
        var fold = DatasetFold(byLabel: input.discovery.labels != nil)
        var rows: [CaseFingerprint] = []
        for item in discovery.cases {
            rows.append(check(item, reader: reader, fold: &fold, problems: &problems))
        }
        problems += fold.datasetProblems(rows, orients: input.orients)
        return CheckReport(source: input.source, path: input.path, inputDirectory: input.discovery.directory,
                           include: input.discovery.include.map(\.text), channelPattern: input.discovery.channels?.text,
                           labelPattern: input.discovery.labels, cases: rows, dataset: fold.summary(cases: rows.count),
                           problems: problems, notes: notes)
    }

    /// Reads one case, adds it to `fold` when every file was read, and lists its problems.
    func check(_ item: InputCase, reader: ScanReader, fold: inout DatasetFold,
               problems: inout [CheckProblem]) -> CaseFingerprint {
        var row = CaseFingerprint(id: item.id, files: item.relativePaths, label: item.labelPath)
        var scans: [Scan] = []
        var errors: [String] = []
        for source in item.channels + (item.label.map { [$0] } ?? []) {
            let path = source.path
            do {
                // A DICOM series case is read as its one volume (or fails with its assembly error).
                scans.append(try source.dicomSeries.map { try $0.read(limits: reader.limits) } ?? reader.read(path: path))
            } catch {
                let failure = MedPrepError.wrap(error, path: path)
                let line = "\(display(path)): \(failure.reason) (\(failure.kind.rawValue))"
                errors.append(line)
                problems.append(CheckProblem(.unreadable, caseID: item.id, line))
            }
        }
        guard errors.isEmpty else {
            row.errors = errors
            return row
        }
        let label = item.labelPath != nil ? scans.removeLast() : nil
        let first = scans[0]
        row.format = first.header.format.rawValue
        row.shape = VoxelGrid(first).shape
        row.spacing = (0 ..< 3).map { $0 < first.geometry.spacing.count ? first.geometry.spacing[$0] : 1 }
        row.axisCodes = OrientationCensus.code(of: first)
        row.dtype = first.header.dataType
        row.channels = scans.reduce(0) { $0 + $1.tensor.shape.c }

        var mismatches: [String] = []
        for (index, scan) in scans.enumerated().dropFirst() {
            let name = "channel \(item.channelNumbers[index])"
            mismatches += gridMessages(scan, name: name, against: first, reference: "channel \(item.channelNumbers[0])")
        }
        if let label { mismatches += gridMessages(label, name: "label", against: first, reference: "image") }
        row.sameGrid = mismatches.isEmpty
        problems += mismatches.map { CheckProblem(.gridMismatch, caseID: item.id, $0) }

        let voxels = CaseVoxels(channels: scans.map(\.tensor), label: label?.tensor)
        row.nonFinite = voxels.nonFinite
        row.croppedShape = voxels.croppedShape
        if voxels.nonFinite > 0 {
            let files = zip(item.relativePaths, voxels.nonFiniteByFile).filter { $0.1 > 0 }.map { "\($0.0) (\($0.1))" }
            problems.append(CheckProblem(.nonFinite, caseID: item.id, "\(voxels.nonFinite) non-finite voxel(s) (NaN or ±inf) in "
                + "\(files.joined(separator: ", ")); a run fails the case unless normalize has nonfinite: ignore or zero"))
        }
        if let label {
            row.labelValues = voxels.labelCounts.keys.sorted()
            if voxels.nonIntegerLabels > 0 {
                let example = voxels.nonIntegerExample.map { " (e.g. \($0))" } ?? ""
                problems.append(CheckProblem(.nonIntegerLabels, caseID: item.id, "label map \(display(label.path)) has "
                    + "\(voxels.nonIntegerLabels) non-integer value(s)\(example); label maps hold integer class values"))
            }
            if voxels.valuesOverCap > 0 {
                problems.append(CheckProblem(.nonIntegerLabels, caseID: item.id, "label map \(display(label.path)) has more "
                    + "than \(CaseVoxels.labelValueCap) distinct values; is it an image rather than a label map?"))
            }
        }
        fold.add(row, voxels: voxels, channels: scans.map(\.tensor), label: label?.tensor)
        return row
    }

    /// The differences of `scan`'s grid from `reference`'s, one sentence each, naming both files.
    func gridMessages(_ scan: Scan, name: String, against reference: Scan, reference referenceName: String) -> [String] {
        GridComparison.differences(of: VoxelGrid(scan), from: VoxelGrid(reference), tolerance: input.tolerance).map {
            $0.describe(subject: name, reference: referenceName) + " (\(display(scan.path)) vs \(display(reference.path)))"
        }
    }

    /// `path` relative to the input directory when inside it, else as it is.
    func display(_ path: String) -> String {
        let root = input.discovery.directory.hasSuffix("/") ? input.discovery.directory : input.discovery.directory + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
    }
}

import MedPrepCore
import MedPrepDecode

/// DICOM directories become one case per series, not one case per file.
///
/// The selected files read as DICOM (`DICOMHeaderReader.isDICOM`: a `.dcm`/`.dicom` name, or `DICM` after the
/// preamble of a file no other format claims) have their headers read — no pixel data — and
/// `DICOMSeriesAssembler` groups, names and stacks them. Each series is one case whose files are all its slices'
/// files (the first is the case's path, the rest its companions), so the state store fingerprints the whole series:
/// adding, removing or changing a slice redoes it. A series that cannot be stacked is still a case, which fails
/// with the assembly error when loaded. Non-image objects become `dicom_not_image` notes. A file whose header
/// cannot be read stays a case of its own, which fails with the reader's error.
extension InputDiscovery {
    /// The series cases among `files` (relative paths), and the files that are not taken by them.
    func dicomSeriesCases(_ files: [String], skipped: inout [SkippedInput]) -> (cases: [InputCase], others: [String]) {
        var headers = [DICOMSliceHeader](), others = [String]()
        for relative in files {
            let path = directory + "/" + relative
            guard DICOMHeaderReader.isDICOM(path: path), let header = try? DICOMHeaderReader.read(path: path) else {
                others.append(relative)
                continue
            }
            headers.append(header)
        }
        guard !headers.isEmpty else { return ([], others) }
        let naming = DICOMCaseNaming(mode: .readable, digest: { SHA256Hasher.hexDigest(text: $0) })
        let assembly = DICOMSeriesAssembler.assemble(headers, root: directory, naming: naming)
        let prefix = directory.count + 1
        for note in assembly.skipped {
            skipped.append(SkippedInput(path: String(note.path.dropFirst(prefix)), reason: .dicomNotImage, detail: note.reason))
        }
        let cases = assembly.cases.map { item in
            let paths = item.group.paths
            return InputCase(id: item.id, relativePaths: [String(paths[0].dropFirst(prefix))],
                             channels: [SourceFiles(path: paths[0], companions: Array(paths.dropFirst()),
                                                    dicomSeries: DICOMSeriesSource(item.series))],
                             channelNumbers: [0])
        }
        return (cases, others)
    }
}

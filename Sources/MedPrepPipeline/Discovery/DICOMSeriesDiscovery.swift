import MedPrepCore
import MedPrepDecode

/// DICOM directories become one case per series, not one case per file.
///
/// The selected files read as DICOM (`DICOMHeaderReader.isDICOM`: a `.dcm`/`.dicom` name, or `DICM` after the
/// preamble of a file no other format claims; files named as another format, `.nii.gz`, `.png`…, are not opened
/// here, `DICOMHeaderReader.mayBeDICOM`) have their headers read — no pixel data — and
/// `DICOMSeriesAssembler` groups, names and stacks them. Each series is one case whose files are all its slices'
/// files (the first is the case's path, the rest its companions), so the state store fingerprints the whole series:
/// adding, removing or changing a slice redoes it. A series that cannot be stacked is still a case, which fails
/// with the assembly error when loaded. Non-image objects become `dicom_not_image` notes. A file whose header
/// cannot be read stays a case of its own, which fails with the reader's error; so does each image of a series that
/// has no image in the patient frame (`DICOMSliceHeader.hasPatientFrame`), which is then read in pixel space.
extension InputDiscovery {
    /// The series cases among `files` (relative paths), the files that are not taken by them, and (when ids are
    /// hashed) each hashed id's readable id.
    func dicomSeriesCases(_ files: [String], skipped: inout [SkippedInput])
        -> (cases: [InputCase], others: [String], readable: [String: String]) {
        var headers = [DICOMSliceHeader](), others = [String]()
        for relative in files {
            let path = directory + "/" + relative
            guard DICOMHeaderReader.mayBeDICOM(name: relative), DICOMHeaderReader.isDICOM(path: path),
                  let header = try? DICOMHeaderReader.read(path: path) else {
                others.append(relative)
                continue
            }
            headers.append(header)
        }
        // A series none of whose images is in the patient frame (radiographs, secondary captures) is not stacked:
        // each of its files is a 2D case of its own, read in pixel space like a PNG. A series with some images in
        // the frame is assembled whole, so that a slice lacking its geometry fails the series instead of leaving it.
        let framed = Set(headers.filter(\.hasPatientFrame).map(\.seriesInstanceUID))
        let prefix = directory.count + 1
        let pixelSpace = headers.filter {
            DICOMObjectKind.skipReason($0) == nil && !$0.hasPatientFrame && !framed.contains($0.seriesInstanceUID)
        }
        others += pixelSpace.map { String($0.path.dropFirst(prefix)) }
        let pixelPaths = Set(pixelSpace.map(\.path))
        headers.removeAll { pixelPaths.contains($0.path) }
        guard !headers.isEmpty else { return ([], others, [:]) }
        let digest: @Sendable (String) -> String = { SHA256Hasher.hexDigest(text: $0) }
        let naming = DICOMCaseNaming(mode: caseIDSalt.map { .hashed(salt: $0) } ?? .readable, digest: digest)
        let assembly = DICOMSeriesAssembler.assemble(headers, root: directory, naming: naming)
        var readable = [String: String]()
        if caseIDSalt != nil {
            let groups = assembly.cases.map(\.group)
            let names = DICOMCaseNaming(mode: .readable, digest: digest).ids(for: groups, root: directory)
            readable = Dictionary(zip(assembly.cases.map(\.id), names), uniquingKeysWith: { first, _ in first })
        }
        for note in assembly.skipped {
            skipped.append(SkippedInput(path: String(note.path.dropFirst(prefix)), reason: .dicomNotImage, detail: note.reason))
        }
        let cases = assembly.cases.map { item in
            let paths = item.group.paths
            return InputCase(id: item.id, relativePaths: [String(paths[0].dropFirst(prefix))],
                             channels: [SourceFiles(path: paths[0], companions: Array(paths.dropFirst()),
                                                    dicomSeries: DICOMSeriesSource(item.series, group: item.group))],
                             channelNumbers: [0])
        }
        return (cases, others, readable)
    }
}

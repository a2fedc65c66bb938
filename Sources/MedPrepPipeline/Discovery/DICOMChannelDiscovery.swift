import MedPrepCore
import MedPrepDecode

/// DICOM series as channels: under `input.channels`, a directory whose name matches the channel pattern is one
/// channel, read as one series.
///
/// nnU-Net names a case's channel files `case_0000.nii.gz`, `case_0001.nii.gz`; the DICOM counterpart is one
/// directory per channel, `case_0000/*.dcm`, `case_0001/*.dcm`, matched by the same pattern without the suffix
/// (`channels: "{case}_{channel:4}"`). The case id is the directory's parent plus `{case}`, as for files. A DICOM
/// file belongs to the nearest enclosing directory whose name matches; one with no such directory is matched by its
/// own name, a one-file channel, as before. The DICOM files of a channel
/// directory (its whole subtree) are assembled like a directory of series (`DICOMSeriesAssembler`); non-image
/// objects become `dicom_not_image` notes. A directory holding more than one series (or one split by orientation,
/// echo, …) is a channel that fails its case (`malformed`, naming the series), since medprep cannot tell which one
/// the channel means. The channel's files are all its image files, so the state store fingerprints the series.
extension InputDiscovery {
    /// One channel read from a DICOM directory.
    struct DICOMChannel {
        var caseID: String
        var channel: Int
        var relative: String
        var source: SourceFiles
    }

    /// The DICOM channel directories among `files` (relative paths), and the files left for the file name rules.
    func dicomChannels(_ files: [String], pattern: ChannelPattern,
                       skipped: inout [SkippedInput]) -> (channels: [DICOMChannel], others: [String]) {
        var byDirectory = [String: (caseID: String, channel: Int, headers: [DICOMSliceHeader])]()
        var others = [String]()
        for relative in files {
            let parts = relative.split(separator: "/").map(String.init)
            let path = directory + "/" + relative
            guard let index = parts.dropLast().lastIndex(where: { pattern.match($0) != nil }),
                  let (caseName, channel) = pattern.match(parts[index]),
                  DICOMHeaderReader.mayBeDICOM(name: relative), DICOMHeaderReader.isDICOM(path: path),
                  let header = try? DICOMHeaderReader.read(path: path) else {
                others.append(relative)
                continue
            }
            let channelDirectory = parts[...index].joined(separator: "/")
            let caseID = (parts[..<index] + [caseName]).joined(separator: "/")
            byDirectory[channelDirectory, default: (caseID, channel, [])].headers.append(header)
        }
        var channels = [DICOMChannel]()
        let prefix = directory.count + 1
        for channelDirectory in byDirectory.keys.sorted() {
            let (caseID, channel, headers) = byDirectory[channelDirectory]!
            let naming = DICOMCaseNaming(mode: .readable, digest: { SHA256Hasher.hexDigest(text: $0) })
            let assembly = DICOMSeriesAssembler.assemble(headers, root: directory + "/" + channelDirectory, naming: naming)
            for note in assembly.skipped {
                skipped.append(SkippedInput(path: String(note.path.dropFirst(prefix)), reason: .dicomNotImage,
                                            detail: note.reason))
            }
            guard let first = assembly.cases.first else { continue }
            let paths = assembly.cases.flatMap(\.group.paths).sorted()
            let series: Result<DICOMSeries, MedPrepError>
            if assembly.cases.count == 1 {
                series = first.series
            } else {
                let names = assembly.cases.map { "'\($0.id)' (\($0.group.paths.count) file(s))" }.joined(separator: ", ")
                series = .failure(MedPrepError(.malformed, path: directory + "/" + channelDirectory,
                    reason: "channel \(channel) of case '\(caseID)' is the DICOM directory '\(channelDirectory)', which "
                        + "holds \(assembly.cases.count) series: \(names); a channel must be one series. Fix: move the "
                        + "other series out of the directory, or leave them out with input.exclude"))
            }
            channels.append(DICOMChannel(caseID: caseID, channel: channel, relative: String(paths[0].dropFirst(prefix)),
                                         source: SourceFiles(path: paths[0], companions: Array(paths.dropFirst()),
                                                             dicomSeries: DICOMSeriesSource(series))))
        }
        return (channels, others)
    }
}

import MedPrepCore

/// `directory of DICOM objects → one case per series`: skips non-image objects, groups the rest
/// (`DICOMSeriesGrouping`), names each group (`DICOMCaseNaming`) and stacks it (`DICOMSliceStack`).
///
/// Pure: it works on headers already read (`DICOMSliceHeader`), reads no file, and never fails as a whole — a
/// series that cannot be stacked is a failed case with its error, the other series are still assembled.
package enum DICOMSeriesAssembler {
    /// An object left out, with the reason (`not an image: RT Structure Set (SOP class …); skipped`).
    package struct Skipped: Sendable, Hashable {
        package var path: String
        package var reason: String
    }

    /// One case: a series, or the error that stops it.
    package struct Case: Sendable {
        package var id: String
        package var group: DICOMSeriesGroup
        package var series: Result<DICOMSeries, MedPrepError>
    }

    /// What a directory's objects assemble into: cases sorted by id, and the skipped objects sorted by path.
    package struct Assembly: Sendable {
        package var cases: [Case]
        package var skipped: [Skipped]
    }

    /// Assembles `headers` (all objects under `root`, any order) named by `naming`.
    package static func assemble(_ headers: [DICOMSliceHeader], root: String, naming: DICOMCaseNaming) -> Assembly {
        var images: [DICOMSliceHeader] = []
        var skipped: [Skipped] = []
        for header in headers {
            if let reason = DICOMObjectKind.skipReason(header) {
                skipped.append(Skipped(path: header.path, reason: reason))
            } else {
                images.append(header)
            }
        }
        let groups = DICOMSeriesGrouping.groups(of: images)
        let ids = naming.ids(for: groups, root: root)
        let cases = zip(ids, groups).map { id, group in
            Case(id: id, group: group, series: Result { try DICOMSliceStack.assemble(group, caseID: id) }
                .mapError { $0 as? MedPrepError ?? MedPrepError(.malformed, path: group.directory, reason: "\($0)") })
        }
        return Assembly(cases: cases.sorted { $0.id < $1.id }, skipped: skipped.sorted { $0.path < $1.path })
    }
}

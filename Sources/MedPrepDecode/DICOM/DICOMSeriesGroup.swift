/// The frames of one series that stack into one volume: one SeriesInstanceUID, further split by orientation,
/// matrix size, echo, temporal position and (when needed) acquisition — see `DICOMSeriesGrouping`.
package struct DICOMSeriesGroup: Sendable, Hashable {
    /// (0020,000E).
    package var seriesInstanceUID: String
    /// What sets this group apart within its SeriesInstanceUID, in a fixed text form hashed into case ids:
    /// `o=<IOP×1000 rounded, comma-separated | none>;s=<rows>x<columns>;e=<echo|->;t=<temporal|->;a=<acquisition|->`.
    package var splitKey: String
    /// The readable part of the split for case ids (`e2`, `t3`, `a2`, joined by `_`), empty when the series' echo,
    /// temporal position and acquisition do not vary.
    package var label: String
    /// The frames, in the order of their files' paths (never the slice order; `DICOMSliceStack` sorts).
    package var frames: [DICOMFrame]

    package init(seriesInstanceUID: String, splitKey: String, label: String, frames: [DICOMFrame]) {
        self.seriesInstanceUID = seriesInstanceUID
        self.splitKey = splitKey
        self.label = label
        self.frames = frames
    }

    /// The header of the group's first file: its identifiers (PatientID, StudyDate, SeriesNumber, description)
    /// name the case.
    package var first: DICOMSliceHeader { frames[0].header }

    /// The distinct files of the group, sorted.
    package var paths: [String] { Array(Set(frames.map(\.header.path))).sorted() }

    /// The deepest directory holding all the group's files.
    package var directory: String {
        let parents = paths.map { path -> [Substring] in
            var parts = path.split(separator: "/", omittingEmptySubsequences: false)
            parts.removeLast()
            return parts
        }
        var common = parents[0]
        for parts in parents.dropFirst() {
            let shared = zip(common, parts).prefix { $0 == $1 }.count
            common = Array(common.prefix(shared))
        }
        let joined = common.joined(separator: "/")
        return joined.isEmpty ? (paths[0].hasPrefix("/") ? "/" : ".") : joined
    }
}

/// Splits the image objects of a directory into the groups that each stack into one volume (one case each).
///
/// Rules (dcm2niix also splits each of these into separate outputs):
/// 1. One group per SeriesInstanceUID (0020,000E).
/// 2. Within it, objects go apart when their ImageOrientationPatient differ by more than 1e-4 in any of the six
///    cosines (a localizer filed in the series), or their Rows × Columns differ.
/// 3. …and when their EchoNumbers (0018,0086) or TemporalPositionIdentifiers (0020,0100) differ: a 4D series
///    (multi-echo, dynamic) becomes one 3D case per echo / temporal position, never channels.
/// 4. AcquisitionNumber (0020,0012) splits only a group in which two frames share a position along the slice normal
///    (|Δ(n·IPP)| < 1e-3 mm) and acquisition numbers differ — repeated acquisitions of one volume. Scanners that
///    number every slice as its own acquisition thus still give one volume.
package enum DICOMSeriesGrouping {
    /// Two orientations are the same when no cosine differs by more than this.
    package static let orientationTolerance = 1e-4
    /// Two frames share a position when their n·IPP differ by less than this (mm).
    package static let positionTolerance = 1e-3

    /// The groups of `headers` (image objects only), deterministic: sorted by SeriesInstanceUID then split key.
    package static func groups(of headers: [DICOMSliceHeader]) -> [DICOMSeriesGroup] {
        let byUID = Dictionary(grouping: headers.sorted { $0.path < $1.path }, by: \.seriesInstanceUID)
        var result: [DICOMSeriesGroup] = []
        for uid in byUID.keys.sorted() {
            let members = byUID[uid]!
            let echoes = Set(members.map(\.echoNumber)).count > 1
            let temporal = Set(members.map(\.temporalPositionIdentifier)).count > 1
            var orientations: [[Double]] = []
            var buckets: [String: [DICOMSliceHeader]] = [:]
            var labels: [String: String] = [:]
            for header in members {
                let orientation = orientationKey(header.imageOrientation, known: &orientations)
                let key = "o=\(orientation);s=\(header.rows)x\(header.columns);e=\(text(header.echoNumber))"
                    + ";t=\(text(header.temporalPositionIdentifier))"
                buckets[key, default: []].append(header)
                labels[key] = [echoes ? "e\(text(header.echoNumber))" : nil,
                               temporal ? "t\(text(header.temporalPositionIdentifier))" : nil]
                    .compactMap { $0 }.joined(separator: "_")
            }
            for key in buckets.keys.sorted() {
                for (acquisition, part) in acquisitionSplit(buckets[key]!) {
                    let label = [labels[key]!, acquisition.map { "a\(text($0))" } ?? ""]
                        .filter { !$0.isEmpty }.joined(separator: "_")
                    let frames = part.flatMap { header in
                        (0 ..< max(1, header.numberOfFrames)).map { DICOMFrame(header: header, frame: $0) }
                    }
                    result.append(DICOMSeriesGroup(seriesInstanceUID: uid,
                                                   splitKey: key + ";a=\(acquisition.map { text($0) } ?? "-")",
                                                   label: label, frames: frames))
                }
            }
        }
        return result
    }

    /// The IOP of the first orientation in `known` within tolerance of `orientation` (appending it when new), as
    /// `round(1000·cosine)` joined by commas; `none` when absent.
    static func orientationKey(_ orientation: [Double]?, known: inout [[Double]]) -> String {
        guard let orientation, orientation.count == 6 else { return "none" }
        let match = known.first { zip($0, orientation).allSatisfy { abs($0 - $1) <= orientationTolerance } }
        if match == nil { known.append(orientation) }
        return (match ?? orientation).map { String(Int(($0 * 1000).rounded())) }.joined(separator: ",")
    }

    /// `headers` as one part (acquisition nil), or one part per AcquisitionNumber when rule 4 applies.
    static func acquisitionSplit(_ headers: [DICOMSliceHeader]) -> [(Int??, [DICOMSliceHeader])] {
        let acquisitions = Set(headers.map(\.acquisitionNumber))
        guard acquisitions.count > 1, let orientation = headers[0].imageOrientation, orientation.count == 6,
              DICOMGeometry.orientationProblem(orientation) == nil else { return [(nil, headers)] }
        let normal = DICOMGeometry.sliceNormal(orientation: orientation)
        let along = headers.flatMap { $0.imagePositions.filter { $0.count == 3 }.map { DICOMGeometry.dot($0, normal) } }
            .sorted()
        let repeated = zip(along, along.dropFirst()).contains { $1 - $0 < positionTolerance }
        guard repeated else { return [(nil, headers)] }
        let parts = Dictionary(grouping: headers, by: \.acquisitionNumber)
        return parts.keys.sorted { ($0 ?? Int.min) < ($1 ?? Int.min) }.map { (.some($0), parts[$0]!) }
    }

    static func text(_ value: Int?) -> String { value.map(String.init) ?? "-" }
}

import MedPrepCore
import MedPrepDecode

/// What a DICOM series case is read from: the series `DICOMSeriesAssembler` stacked, or the error that stopped it
/// (a missing slice, gantry tilt, …), which fails the case when it is loaded — the other cases go on.
package struct DICOMSeriesSource: Hashable, Sendable {
    package var series: DICOMSeries?
    package var failure: MedPrepError?

    package init(_ result: Result<DICOMSeries, MedPrepError>) {
        switch result {
        case .success(let series): self.series = series
        case .failure(let error): failure = error
        }
    }

    /// Decodes the series into one volume (`DICOMSeriesReader`), or throws the assembly error.
    package func read(limits: DecodeLimits) throws -> Scan {
        if let failure { throw failure }
        guard let series else { throw MedPrepError(.invalidArgument, path: nil, reason: "a DICOM series case without a series") }
        return try DICOMSeriesReader.read(series, limits: limits)
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.series == rhs.series && lhs.failure == rhs.failure
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(series)
        hasher.combine(failure?.description)
    }
}

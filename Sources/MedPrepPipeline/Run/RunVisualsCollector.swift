import Foundation
import MedPrepCore
import MedPrepReport

/// Gathers `RunVisuals` while a run's workers stream cases, in bounded memory: pictures are drawn per case when it
/// is decoded and normalized (`ThumbnailMaker`) and kept only while the case is among the first `limit` processed
/// or the first `limit` failed ones by case order; histograms and counts are merged at once. No scan is kept.
final class RunVisualsCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var visuals: RunVisuals
    /// The kept pictures with their case order, at most `limit` processed and `limit` failed.
    private var kept: [(order: Int, thumbnails: CaseThumbnails)] = []
    /// Each case's position in the run (case order), by case id.
    private let order: [String: Int]

    init(limit: Int, cases: [InputCase]) {
        visuals = RunVisuals(thumbnailLimit: limit)
        order = Dictionary(cases.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What one case contributes as decoded, computed by the worker outside the lock.
    struct Decoded {
        var thumbnails: ThumbnailSet?
        var histograms: [ValueHistogram]
        var orientation: String
        var spacing: String
    }

    /// The pictures (when any are kept at all), per-channel histograms, axis code and spacing of `scan`.
    func describe(_ scan: Scan) -> Decoded {
        let histograms = scan.tensor.storage.withUnsafeBufferPointer { storage in
            (0 ..< scan.tensor.shape.c).map { channel in
                let count = scan.tensor.shape.spatialCount
                return ValueHistogram(UnsafeBufferPointer(rebasing: storage[channel * count ..< (channel + 1) * count]))
            }
        }
        return Decoded(thumbnails: visuals.thumbnailLimit > 0 ? ThumbnailMaker.make(scan) : nil, histograms: histograms,
                       orientation: OrientationCensus.code(of: scan) ?? "none",
                       spacing: RunVisuals.spacingKey(scan.geometry.spacing))
    }

    /// Records a decoded case (before any stage).
    func decoded(_ described: Decoded) {
        lock.withLock {
            visuals.decodedCases += 1
            RunVisuals.merge(described.histograms, into: &visuals.before)
            visuals.orientationsBefore[described.orientation, default: 0] += 1
            RunVisuals.tally(described.spacing, into: &visuals.spacingsBefore)
        }
    }

    /// Records a normalized case (after the stages and normalization).
    func normalized(_ described: Decoded) {
        lock.withLock {
            visuals.normalizedCases += 1
            RunVisuals.merge(described.histograms, into: &visuals.after)
            visuals.orientationsAfter[described.orientation, default: 0] += 1
            RunVisuals.tally(described.spacing, into: &visuals.spacingsAfter)
        }
    }

    /// Offers the pictures of the cases of one unit (`before` and `after` by case id): each is kept when it is
    /// among the first `limit` of its kind (processed or failed) so far, by case order.
    func offer(_ outcomes: [FileOutcome], ids: [String], before: [String: Decoded], after: [String: Decoded]) {
        for (outcome, id) in zip(outcomes, ids) {
            guard let pictures = before[id]?.thumbnails else { continue }
            let failed = outcome.status == .failed
            offer(order: order[id] ?? Int.max, CaseThumbnails(input: outcome.input, failed: failed, before: pictures,
                                                              after: failed ? nil : after[id]?.thumbnails))
        }
    }

    private func offer(order: Int, _ thumbnails: CaseThumbnails) {
        lock.withLock {
            let limit = visuals.thumbnailLimit
            guard limit > 0 else { return }
            kept.append((order, thumbnails))
            let ofKind = kept.filter { $0.thumbnails.failed == thumbnails.failed }
            if ofKind.count > limit, let last = ofKind.max(by: { $0.order < $1.order }) {
                kept.removeAll { $0.order == last.order }
            }
        }
    }

    /// The visuals gathered, pictures in input order.
    func result() -> RunVisuals {
        lock.withLock {
            var result = visuals
            result.cases = RunVisuals.select(kept.map(\.thumbnails), limit: visuals.thumbnailLimit)
            return result
        }
    }
}

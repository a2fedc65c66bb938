import MedPrepCore
import MedPrepNormalize
import MedPrepTransform

/// decode → per-scan stages → batch → normalize: the one path by which `medprep run` and `medprep normalize` turn
/// input cases into normalized scans. Writing is the caller's: a run writes through its `OutputLayout` and records
/// each case in its state store, `medprep normalize` writes into its output directory without a store.
///
/// A case that cannot be decoded or prepared fails alone; so does a case whose channel count or spatial shape after
/// the stages differs from the unit's first good case (`BatchFit`). The others of its unit are still batched and
/// normalized. When the batch itself fails (the normalizer refuses it), every member fails with that error.
package struct CaseProcessor: Sendable {
    package let loader: CaseLoader
    package let normalizer: (any Normalizer)?
    package let nonFinite: NonFinitePolicy

    package init(loader: CaseLoader, normalizer: (any Normalizer)?, nonFinite: NonFinitePolicy) {
        self.loader = loader
        self.normalizer = normalizer
        self.nonFinite = nonFinite
    }

    /// The cases of one unit after normalization, in unit order.
    package struct NormalizedUnit {
        /// `[N, C, D, H, W]`: sample `n` belongs to `members[n]`.
        package var batch: Batch
        package var members: [InputCase]
        /// Each member's label map after the spatial stages.
        package var labels: [Scan?]
        /// Statistics of the input per (sample, group), sample-major, as the normalizer used them.
        package var groups: [GroupStatistics]

        /// Member `n` as a scan of its own with its label map and its group statistics (sample index 0). A unit of
        /// one case hands back the batch's storage without copying it.
        package func member(_ n: Int) -> (scan: Scan, label: Scan?, groups: [GroupStatistics]) {
            let scan = batch.count > 1 ? batch.scan(at: n)
                : Scan(path: batch.paths[0], header: batch.headers[0], tensor: batch.tensor, geometry: batch.geometries[0])
            var own = groups.filter { $0.sample == n }
            for index in own.indices { own[index].sample = 0 }
            return (scan, labels[n], own)
        }
    }

    /// The result for a unit: the cases that failed, and the normalized batch of the others (nil when none is left).
    package struct UnitResult {
        package var failures: [(input: InputCase, error: Error)] = []
        package var normalized: NormalizedUnit?
    }

    /// Decodes (with `decode`, which returns a case's image with its channels stacked), prepares, stacks and
    /// normalizes `cases` as one batch, with `threads` worker threads for the normalizer.
    package func process(_ cases: [InputCase], threads: Int,
                         decode: (InputCase) throws -> Scan) -> UnitResult {
        var result = UnitResult()
        var members: [InputCase] = []
        var images: [Scan] = []
        var labels: [Scan?] = []
        for input in cases {
            do {
                let prepared = try loader.load(input, decoded: try decode(input))
                members.append(input)
                images.append(prepared.image)
                labels.append(prepared.label)
            } catch {
                result.failures.append((input, error))
            }
        }
        guard !members.isEmpty else { return result }
        // A case whose per-sample shape differs from the first good case's fails alone (`BatchFit`).
        var index = 1
        while index < images.count {
            if let error = BatchFit.mismatch(images[index], reference: images[0]) {
                result.failures.append((members.remove(at: index), error))
                images.remove(at: index)
                labels.remove(at: index)
            } else {
                index += 1
            }
        }
        do {
            let paths = images.map(\.path), ranges = images.map(\.header.storedValueRange)
            var batch = try BatchAssembler.assemble(consuming: &images)
            var groups: [GroupStatistics] = []
            if let normalizer {
                let context = NormalizationContext(paths: paths, valueRanges: ranges, nonFinite: nonFinite, threads: threads)
                groups = try normalizer.normalize(&batch.tensor, context: context)
            }
            result.normalized = NormalizedUnit(batch: batch, members: members, labels: labels, groups: groups)
        } catch {
            result.failures += members.map { ($0, error) }
        }
        return result
    }
}

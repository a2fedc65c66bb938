import Foundation

/// The findings of a comparison in words, with the dataset's own numbers: what the ImageNet preset leaves of the
/// data, how far batch statistics wander, where BatchNorm's running statistics end up, what GroupNorm, dataset
/// statistics and the per-scan methods give. Every number comes from the `ComparisonResult`; a method without
/// numbers is named with its reason. With several channels each figure is the worst channel's.
package enum ComparisonFindings {
    package static func paragraph(_ result: ComparisonResult) -> String {
        var sentences: [String] = []
        if let raw = worst(result, "raw") {
            sentences.append("Raw values have mean \(number(raw.mean)), std \(number(raw.std)).")
        }
        sentences.append(imagenet(result))
        if let first = result.batchSpreads.first {
            let c = first.channels.max { $0.meanOffsetStd < $1.meanOffsetStd }
            if let c {
                var text = "At B = \(first.batchSize) each batch's mean wanders by \(number(c.meanOffsetStd)) dataset std "
                    + "(up to \(number(c.meanOffsetMaxAbs))) and its variance ranges ×\(number(c.varianceRatioMin))…×\(number(c.varianceRatioMax)) of the dataset's"
                for spread in result.batchSpreads.dropFirst() {
                    let worst = spread.channels.map(\.meanOffsetStd).max() ?? 0
                    text += "; at B = \(spread.batchSize) by \(number(worst)) std"
                }
                sentences.append(text + ".")
            }
            let offsets = result.batchSpreads.map { spread in
                "\(number(spread.channels.map { abs($0.runningMeanOffset) }.max() ?? 0))"
                    + (spread.batchSize == first.batchSize ? " std off the dataset mean" : "") + " at B = \(spread.batchSize)"
            }
            var running = "BatchNorm's running mean after \(result.epochs) epoch(s) is " + offsets.joined(separator: ", ")
            if let eval = worst(result, "batchnorm-eval(\(first.batchSize))") {
                running += ", so in eval mode B = \(first.batchSize) gives mean \(number(eval.mean)), std \(number(eval.std))"
            }
            sentences.append(running + ".")
        }
        sentences.append(describe(result, [("GroupNorm", "groupnorm"), ("dataset statistics", "dataset")])
            + ", whatever the batch.")
        sentences.append(describe(result, [("Instance normalization", "instance"), ("minmax", "minmax"), ("percentile", "percentile")])
            + "; minmax and percentile map each scan to [0, 1], not to unit variance.")
        for spread in result.batchSpreads where spread.partialLastBatch {
            sentences.append("At B = \(spread.batchSize) the last batch holds \(spread.lastBatchScans) of \(spread.batchSize) scans.")
        }
        if !result.rejected.isEmpty {
            sentences.append("\(result.rejected.count) input(s) were left out; they are listed with their reasons.")
        }
        return sentences.joined(separator: " ")
    }

    /// The ImageNet sentence: where the preset leaves the data and how far its std is from 1, or why it cannot apply.
    static func imagenet(_ result: ComparisonResult) -> String {
        guard let row = worst(result, "imagenet") else {
            let reason = result.rows(of: "imagenet").first?.reason ?? "no scans"
            return "The ImageNet preset cannot be applied here: \(reason)."
        }
        let std = row.std
        let spread = std < 1 ? (std > 0 ? "\(String(format: "%.0f", 1 / std))× too narrow" : "constant")
            : "\(String(format: "%.0f", std))× too wide"
        return "The ImageNet preset leaves this data at mean \(number(row.mean)), std \(number(std)) — \(spread)."
    }

    /// "GroupNorm gives mean m, std s and dataset statistics mean m, std s" (or a method's reason).
    static func describe(_ result: ComparisonResult, _ methods: [(label: String, name: String)]) -> String {
        methods.enumerated().map { index, method in
            guard let row = worst(result, method.name) else {
                return "\(method.label) cannot be applied (\(result.rows(of: method.name).first?.reason ?? "no scans"))"
            }
            return "\(method.label) \(index == 0 ? "gives " : "")mean \(number(row.mean)), std \(number(row.std))"
        }.joined(separator: methods.count == 2 ? " and " : ", ")
    }

    /// The mean and std of `method`'s worst channel (largest `max(|mean|, |std − 1|)`), nil unless every row is ok.
    static func worst(_ result: ComparisonResult, _ method: String) -> (mean: Double, std: Double)? {
        let rows = result.rows(of: method)
        guard !rows.isEmpty, rows.allSatisfy({ $0.status == .ok }),
              let row = rows.max(by: { ($0.distance ?? 0) < ($1.distance ?? 0) }),
              let mean = row.mean, let std = row.std else { return nil }
        return (mean, std)
    }

    /// Two decimals below 10, one below 100, none above; never "-0.00".
    package static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        let text = String(format: magnitude < 10 ? "%.2f" : magnitude < 100 ? "%.1f" : "%.0f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }
}

import MedPrepCore

/// The dataset-wide part of `medprep check`, folded one case at a time: orientation counts, the rows' spacings and
/// shapes for the percentiles and the target-spacing rule, foreground intensities and label class counts.
struct DatasetFold {
    var orientations: [String: Int] = [:]
    var spacings: [[Double]] = []
    var shapes: [[Int]] = []
    var croppedShapes: [[Int]] = []
    var foreground: ForegroundIntensities
    var labelCounts: [Int: Int] = [:]
    var foregroundLeftOut = 0

    init(byLabel: Bool) {
        foreground = ForegroundIntensities(byLabel: byLabel)
    }

    /// Adds a case whose every file was read.
    mutating func add(_ row: CaseFingerprint, voxels: CaseVoxels, channels: [Tensor], label: Tensor?) {
        if let code = row.axisCodes { orientations[code, default: 0] += 1 }
        if let spacing = row.spacing, let shape = row.shape, let cropped = row.croppedShape {
            spacings.append(spacing)
            shapes.append(shape)
            croppedShapes.append(cropped)
        }
        for (value, count) in voxels.labelCounts { labelCounts[value, default: 0] += count }
        if row.sameGrid == true {
            foreground.add(channels: channels, label: label)
        } else {
            foregroundLeftOut += 1
        }
    }

    /// Problems of the dataset as a whole: several orientations without an `orient` stage, and cases whose
    /// channel count differs from the most common one (the first case's on a tie).
    func datasetProblems(_ rows: [CaseFingerprint], orients: Bool) -> [CheckProblem] {
        var problems: [CheckProblem] = []
        if orientations.count > 1, !orients {
            let list = orientations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            problems.append(CheckProblem(.mixedOrientations, caseID: nil, "the cases have \(orientations.count) orientations "
                + "(\(list)): their voxel axes point along different world axes, so one spacing or shape means different "
                + "things for them; add '- orient: {to: RAS}' as the first stage"))
        }
        let counts = rows.compactMap(\.channels)
        var tally: [Int: Int] = [:]
        for count in counts { tally[count, default: 0] += 1 }
        var common: Int?
        for count in counts where common == nil || tally[count]! > tally[common!]! { common = count }
        guard let common, tally.count > 1 else { return problems }
        for row in rows where row.channels != nil && row.channels != common {
            problems.append(CheckProblem(.channelCountMismatch, caseID: row.id, "\(row.channels!) channel(s), "
                + "\(tally[common]!) of \(counts.count) cases have \(common); one batch needs one channel count "
                + "(select_channels or drop_alpha make them agree)"))
        }
        return problems
    }

    func summary(cases: Int) -> DatasetSummary {
        var labels: LabelSummary?
        if foreground.byLabel {
            let total = labelCounts.values.reduce(0, +)
            labels = LabelSummary(voxels: total, classes: labelCounts.keys.sorted().map {
                LabelSummary.LabelClass(value: $0, voxels: labelCounts[$0]!, share: Double(labelCounts[$0]!) / Double(max(total, 1)))
            })
        }
        let suggestion = TargetSpacingRule(spacings: spacings, croppedShapes: croppedShapes).map {
            Suggestion(targetSpacing: $0.targetSpacing, cropOrPadShape: $0.cropOrPadShape, anisotropicAxis: $0.anisotropicAxis,
                       rule: TargetSpacingRule.statement)
        }
        return DatasetSummary(cases: cases, readable: spacings.count, orientations: orientations,
                              spacing: LinearPercentile.perAxis(spacings),
                              shape: LinearPercentile.perAxis(shapes.map { $0.map(Double.init) }),
                              croppedShape: LinearPercentile.perAxis(croppedShapes.map { $0.map(Double.init) }),
                              foreground: ForegroundSummary(definition: foreground.definition, casesLeftOut: foregroundLeftOut,
                                                            channels: foreground.moments.indices.map(foreground.summary)),
                              labels: labels, suggestion: suggestion)
    }
}

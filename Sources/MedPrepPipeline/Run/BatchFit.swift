import MedPrepCore

/// Whether a prepared case can join its batch: every sample of a `.npy` batch `[N, C, D, H, W]` has one
/// per-sample shape `[C, D, H, W]`, that of the batch's first good case. A case that differs fails alone, with
/// an error that names both files, says what differs and which stage makes the cases agree; the batch is built
/// from the others (`CaseProcessor`).
package enum BatchFit {
    /// The error for `scan` when its per-sample shape differs from `reference`'s, nil when they agree.
    /// Spatial shapes are given in the file's axis order (W, H, D), as `crop_or_pad.shape` takes them.
    package static func mismatch(_ scan: Scan, reference: Scan) -> MedPrepError? {
        let (own, first) = (scan.tensor.shape, reference.tensor.shape)
        if own.c != first.c {
            return MedPrepError(.shapeMismatch, path: scan.path, reason: "has \(own.c) channel(s) after the stages, "
                + "the first case of its batch (\(reference.path)) has \(first.c); it cannot join that batch. Give "
                + "every case one channel count: select_channels (e.g. select_channels: {channels: [0]}) keeps "
                + "chosen channels, drop_alpha removes the alpha channel of gray+alpha and RGBA images")
        }
        guard [own.d, own.h, own.w] != [first.d, first.h, first.w] else { return nil }
        return MedPrepError(.shapeMismatch, path: scan.path, reason: "has the spatial shape (W, H, D) = "
            + "(\(own.w), \(own.h), \(own.d)) after the stages, the first case of its batch (\(reference.path)) has "
            + "(\(first.w), \(first.h), \(first.d)); it cannot join that batch. Give every case one shape: "
            + "crop_or_pad (e.g. crop_or_pad: {shape: [\(first.w), \(first.h), \(first.d)]}), after resample when "
            + "spacings differ, or resize for 2D images of mixed sizes")
    }
}

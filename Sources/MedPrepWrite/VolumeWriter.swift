import MedPrepCore

/// A per-case volume file format: its name in pipeline files, the suffix of its files, and how a scan is written.
///
/// `VolumeWriters.all(compressed:)` lists every format; `output.volumes` names them, and a run writes each case (and
/// its label map) through them. A new format is one conformance plus one line there.
package protocol VolumeWriter: Sendable {
    /// Name in pipeline files (`output.volumes`): `nifti`, `npy`.
    var name: String { get }
    /// Suffix of the files written, with the dot (`.nii.gz`).
    var suffix: String { get }
    /// Writes `scan` (one sample) to file `relative` of `tree`, atomically (`OutputTree`); `observer` sees every byte
    /// of the file as written; `durable` as in `AtomicFile`.
    func write(_ scan: Scan, to relative: String, in tree: OutputTree, durable: Bool,
               observer: ((UnsafeRawBufferPointer) -> Void)?) throws
}

/// The registry of volume writers.
package enum VolumeWriters {
    /// Every volume format, in the order a case's files are written; NIfTI files are `.nii.gz` when `compressed`.
    package static func all(compressed: Bool) -> [any VolumeWriter] {
        [NIfTIWriter(compressed: compressed), NPYWriter()]
    }

    /// The formats' names, in order.
    package static let names = all(compressed: true).map(\.name)

    /// The writer of label maps, whatever formats the volumes are written in: NIfTI (class numbers in their integer
    /// type, `LabelType.forLabel`, with the image's affine), `.nii.gz` when `compressed`.
    package static func labels(compressed: Bool) -> any VolumeWriter {
        NIfTIWriter(compressed: compressed, labels: true)
    }
}

/// Which DICOM objects under a directory are images that series assembly stacks, and which are skipped with a note.
///
/// An object is skipped when its SOP Class UID is one of the non-image classes below, or — whatever its class — when
/// it has no pixel matrix (Rows or Columns 0 or absent). Every other object is treated as an image; one lacking the
/// geometry tags (IOP, IPP, PixelSpacing) in a series whose other images have them fails that series with a clear
/// error rather than being dropped (a series with no image in the patient frame is read file by file in pixel space).
package enum DICOMObjectKind {
    /// SOP classes (PS3.4 Annex B) that hold no scan: structure sets, plans, reports, presentation states,
    /// directories, segmentations and wrapped documents. SR classes share the prefix `1.2.840.10008.5.1.4.1.1.88.`
    /// and presentation states `1.2.840.10008.5.1.4.1.1.11.`, matched as prefixes.
    package static let nonImageClasses: [(uid: String, name: String)] = [
        ("1.2.840.10008.1.3.10", "Media Storage Directory (DICOMDIR)"),
        ("1.2.840.10008.5.1.4.1.1.481.3", "RT Structure Set"),
        ("1.2.840.10008.5.1.4.1.1.481.5", "RT Plan"),
        ("1.2.840.10008.5.1.4.1.1.481.8", "RT Ion Plan"),
        ("1.2.840.10008.5.1.4.1.1.481.4", "RT Beams Treatment Record"),
        ("1.2.840.10008.5.1.4.1.1.66", "Raw Data"),
        ("1.2.840.10008.5.1.4.1.1.66.1", "Spatial Registration"),
        ("1.2.840.10008.5.1.4.1.1.66.3", "Deformable Spatial Registration"),
        ("1.2.840.10008.5.1.4.1.1.66.4", "Segmentation"),
        ("1.2.840.10008.5.1.4.1.1.104.1", "Encapsulated PDF"),
        ("1.2.840.10008.5.1.4.1.1.104.2", "Encapsulated CDA"),
        ("1.2.840.10008.5.1.4.1.1.88.", "Structured Report"),
        ("1.2.840.10008.5.1.4.1.1.11.", "Presentation State"),
    ]

    /// Why `header`'s object is not an image to assemble (`RT Structure Set (SOP class …)`), or nil for an image.
    package static func skipReason(_ header: DICOMSliceHeader) -> String? {
        let uid = header.sopClassUID
        if let known = nonImageClasses.first(where: { $0.uid.hasSuffix(".") ? uid.hasPrefix($0.uid) : uid == $0.uid }) {
            return "not an image: \(known.name) (SOP class \(uid)); skipped"
        }
        if header.rows <= 0 || header.columns <= 0 {
            return "not an image: no pixel matrix (Rows/Columns absent or 0, SOP class \(uid)); skipped"
        }
        return nil
    }
}

import MedPrepCore

/// Removes the alpha channel of a raster image: for a PNG or TIFF scan with `C = 2` (gray + alpha) or
/// `C = 4` (RGBA), keeps channels `0…C−2`; any other scan passes through unchanged.
///
/// Only raster formats are touched, so a 4-channel NIfTI volume (e.g. T1/T2/FLAIR/PD) is never cut.
/// Applies to images and label maps alike.
package struct DropAlpha: ScanTransform {
    package init() {}

    package var name: String { "drop_alpha" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        let channels = scan.tensor.shape.c
        guard role == .image, scan.header.format == .png || scan.header.format == .tiff, channels == 2 || channels == 4 else {
            return scan
        }
        var result = scan
        result.tensor = scan.tensor.selectingChannels(Array(0 ..< channels - 1))
        return result
    }
}

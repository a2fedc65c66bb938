/// The float32 value of every raw sample of an 8- or 16-bit layout under one rescale:
/// `values[raw] = Float(slope · v(raw) + intercept)`, with v(raw) the masked, sign-extended, MONOCHROME1-inverted
/// stored value of `DICOMSampleConverter.value` (2^BitsAllocated entries: 256 KB for 16 bits).
///
/// A lookup gives the very float that computing the sample gives, in a load instead of about 35 instructions. A
/// series reader keeps the table while the converter's parameters and the slice's rescale stay the same (for CT
/// usually the whole series), so it is built once for 160 slices of 65 536 samples.
struct DICOMRescaleTable {
    let parameters: DICOMSampleConverter.Parameters
    let slope: Double
    let intercept: Double
    let values: [Float]

    /// The table of `converter` under `slope`/`intercept`; nil for 32-bit samples (too many entries).
    init?(_ converter: DICOMSampleConverter, slope: Double, intercept: Double) {
        let bits = converter.layout.bitsAllocated
        guard bits == 8 || bits == 16 else { return nil }
        parameters = converter.parameters
        self.slope = slope
        self.intercept = intercept
        values = (0 ..< (1 << bits)).map { Float(slope * converter.value(UInt64($0)) + intercept) }
    }

    /// Whether this table gives `converter`'s values under `slope`/`intercept`.
    func fits(_ converter: DICOMSampleConverter, slope: Double, intercept: Double) -> Bool {
        parameters == converter.parameters && self.slope == slope && self.intercept == intercept
    }

    /// The table for `converter` under `slope`/`intercept`: `table` when it fits, else a new one; nil (compute each
    /// sample) for 32 bits, and when a frame has fewer samples than the table has entries, so that building a table
    /// for every slice of a series whose rescale changes per slice never costs more than computing the samples.
    static func reuse(_ table: DICOMRescaleTable?, _ converter: DICOMSampleConverter, slope: Double,
                      intercept: Double) -> DICOMRescaleTable? {
        if let table, table.fits(converter, slope: slope, intercept: intercept) { return table }
        let layout = converter.layout
        guard layout.bitsAllocated <= 16, layout.rows * layout.columns * layout.samples >= 1 << layout.bitsAllocated else {
            return nil
        }
        return DICOMRescaleTable(converter, slope: slope, intercept: intercept)
    }
}

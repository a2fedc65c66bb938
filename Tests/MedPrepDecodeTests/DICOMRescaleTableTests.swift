import MedPrepCore
import Testing
@testable import MedPrepDecode

/// `DICOMRescaleTable`: a lookup gives the float that `DICOMSampleConverter` computes, for every raw value and the
/// layouts that change how a raw sample is read (masking, sign, MONOCHROME1, 8 bits, planar RGB), and the series
/// reader's reuse rule.
struct DICOMRescaleTableTests {
    static func layout(bits: Int = 16, stored: Int = 16, high: Int = 15, signed: Bool = false,
                       photometric: String = "MONOCHROME2", samples: Int = 1, planar: Bool = false,
                       rows: Int = 256, columns: Int = 256) -> DICOMPixelLayout {
        DICOMPixelLayout(rows: rows, columns: columns, samples: samples, frames: 2, bitsAllocated: bits,
                         bitsStored: stored, highBit: high, signed: signed, planar: planar, photometric: photometric)
    }

    static let layouts: [DICOMPixelLayout] = [
        layout(), layout(signed: true), layout(stored: 12, high: 11), layout(stored: 12, high: 11, signed: true),
        layout(stored: 12, high: 13, signed: true), layout(stored: 12, high: 11, photometric: "MONOCHROME1"),
        layout(bits: 8, stored: 8, high: 7, samples: 3, planar: true, rows: 64, columns: 64),
        layout(bits: 8, stored: 7, high: 6, signed: true, samples: 3, rows: 64, columns: 64),
    ]

    /// Every raw value of a frame, in a scrambled order, converted into slice 1 with and without the table.
    @Test(arguments: layouts)
    func lookupEqualsComputation(layout: DICOMPixelLayout) throws {
        let converter = DICOMSampleConverter(layout: layout)
        let (slope, intercept) = (0.7, -1024.25)
        let table = try #require(DICOMRescaleTable.reuse(nil, converter, slope: slope, intercept: intercept))
        let count = layout.rows * layout.columns * layout.samples
        let range = 1 << layout.bitsAllocated
        let raw = (0 ..< count).map { ($0 &* 40_503 &+ 17) % range }
        let frame: [UInt8] = layout.bitsAllocated == 8 ? raw.map { UInt8($0) }
            : raw.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        var computed = [Float](repeating: .nan, count: 2 * count), looked = computed
        frame.withUnsafeBytes { input in
            computed.withUnsafeMutableBufferPointer {
                converter.convert(input, into: $0, slice: 1, planar: layout.planar, flipRows: true, slope: slope,
                                  intercept: intercept)
            }
            looked.withUnsafeMutableBufferPointer {
                converter.convert(input, into: $0, slice: 1, planar: layout.planar, flipRows: true, slope: slope,
                                  intercept: intercept, table: table)
            }
        }
        #expect(computed.map(\.bitPattern) == looked.map(\.bitPattern))
        for value in 0 ..< range {
            #expect(table.values[value] == Float(slope * converter.value(UInt64(value)) + intercept))
        }
    }

    /// Hand-computed values: 12 bits stored in 16 with garbage high bits, signed, intercept −1024.
    @Test func maskedSignedValues() throws {
        let converter = DICOMSampleConverter(layout: Self.layout(stored: 12, high: 11, signed: true))
        let table = try #require(DICOMRescaleTable.reuse(nil, converter, slope: 1, intercept: -1024))
        #expect(table.values[0xF800] == -3072)  // garbage 0xF000 dropped, 0x800 = −2048
        #expect(table.values[0x07FF] == 1023)
        #expect(table.values[0xAFFF] == -1025)  // 0xFFF = −1
    }

    /// Kept while the converter and rescale stay the same; rebuilt when the rescale changes; none for 32 bits or
    /// for frames with fewer samples than entries.
    @Test func reuseRule() throws {
        let converter = DICOMSampleConverter(layout: Self.layout(signed: true))
        let first = try #require(DICOMRescaleTable.reuse(nil, converter, slope: 1, intercept: -1024))
        let same = try #require(DICOMRescaleTable.reuse(first, converter, slope: 1, intercept: -1024))
        #expect(same.fits(converter, slope: 1, intercept: -1024) && same.values == first.values)
        let other = try #require(DICOMRescaleTable.reuse(first, converter, slope: 2, intercept: -1024))
        #expect(other.slope == 2 && other.values[1] == -1022)
        let unsigned = DICOMSampleConverter(layout: Self.layout())
        #expect(!first.fits(unsigned, slope: 1, intercept: -1024))
        #expect(DICOMRescaleTable.reuse(nil, DICOMSampleConverter(layout: Self.layout(bits: 32, stored: 32, high: 31)),
                                        slope: 1, intercept: 0) == nil)
        #expect(DICOMRescaleTable.reuse(nil, DICOMSampleConverter(layout: Self.layout(rows: 64, columns: 64)),
                                        slope: 1, intercept: 0) == nil)
    }
}

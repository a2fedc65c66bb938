#if canImport(Glibc)
import Glibc
#endif
import MedPrepCore

/// What the bytes of a gzip file tell about its inflated size before anything is inflated: the last member's
/// trailer (ISIZE, the inflated size mod 2^32) and whether a second member could start anywhere.
///
/// A gzip file may hold several members (bgzip, pigz -i, medprep's own 4 MiB members, `cat a.gz b.gz`); only the
/// last member's ISIZE is at the end of the file. So ISIZE is a hint that picks the one-call inflate of an honest
/// single-member file, and a proof only when no second member can exist: every member starts with `1f 8b 08` and a
/// flag byte whose reserved bits 5–7 are clear (RFC 1952 §2.3.1), so a file without that pattern after its first
/// 20 bytes is one member, whose inflated size is ISIZE + k·2^32 and at most `compressed size · 1032`.
struct GzipLayout {
    /// Declared sizes below this are never refused from the trailer alone: inflating them is cheap and tells
    /// exactly what is wrong (truncated, damaged CRC, trailing garbage).
    static let trailerProofMinimum = 16 << 20

    /// What the layout says about a stream that must inflate to at least `minimumSize` bytes.
    enum Verdict: Equatable {
        /// The last member's ISIZE fits `minimumSize` (within the slack): likely one member of exactly `total` bytes.
        case matches(total: Int)
        /// No total can be derived from the bytes: inflate and see (several members, or a damaged trailer).
        case unknown
    }

    private let bytes: UnsafeRawBufferPointer
    private let maximumExpansion: Int

    init(_ bytes: UnsafeRawBufferPointer, maximumExpansion: Int = GzipInflater.maximumExpansion) {
        self.bytes = bytes
        self.maximumExpansion = maximumExpansion
    }

    /// Trailing zero bytes after the last member (accepted as padding by the inflater), at most 4096 considered.
    private var trailingZeros: Int {
        var count = 0
        while count < min(bytes.count, 4096), bytes[bytes.count - 1 - count] == 0 { count += 1 }
        return count
    }

    /// The ISIZE field when the file's last `padding` bytes are zero padding.
    private func isize(padding: Int) -> Int? {
        let end = bytes.count - padding
        guard end >= 20 else { return nil }
        return Int(bytes.loadUnaligned(fromByteOffset: end - 4, as: UInt32.self).littleEndian)
    }

    /// The inflated sizes a single member ending `padding` bytes before the end could have: ISIZE + k·2^32 up to
    /// the deflate bound.
    private func possibleTotals(padding: Int) -> [Int] {
        guard let isize = isize(padding: padding) else { return [] }
        let bound = (bytes.count - padding).multipliedReportingOverflow(by: maximumExpansion)
        let limit = bound.overflow ? Int.max : bound.partialValue
        return Array(sequence(first: isize) { $0 <= limit - (1 << 32) ? $0 + (1 << 32) : nil }.prefix { $0 <= limit })
    }

    /// Whether no second gzip member can start in the file (no `1f 8b 08` with clear reserved flags after the
    /// first member's minimum 20 bytes).
    var isSingleMember: Bool {
        // Two members take at least 40 bytes (10 header, 2 deflate, 8 trailer each).
        guard let base = bytes.baseAddress, bytes.count >= 40 else { return true }
        var offset = 20
        let last = bytes.count - 20
        while offset <= last {
            guard let hit = memchr(base + offset, 0x1f, last - offset + 1) else { return true }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if bytes[at + 1] == 0x8b, bytes[at + 2] == 8, bytes[at + 3] & 0xe0 == 0 { return false }
            offset = at + 1
        }
        return true
    }

    /// Whether the trailer says the stream holds `minimumSize` bytes (up to `slack` more); throws `.truncated` or
    /// `.corrupt` when the file provably cannot hold them (one member whose every possible size is smaller), for
    /// `minimumSize` of at least `trailerProofMinimum`.
    func verdict(minimumSize: Int, slack: Int, path: String?) throws -> Verdict {
        let zeros = trailingZeros
        for padding in 0 ... zeros {
            if let total = possibleTotals(padding: padding).first(where: { $0 >= minimumSize && $0 - minimumSize <= slack }) {
                return .matches(total: total)
            }
        }
        guard minimumSize >= Self.trailerProofMinimum, isSingleMember else { return .unknown }
        let totals = (0 ... zeros).flatMap { possibleTotals(padding: $0) }
        guard !totals.contains(where: { $0 >= minimumSize }) else { return .unknown }
        if let largest = totals.max() {
            throw MedPrepError(.truncated, path: path,
                reason: "the gzip stream holds \(largest) bytes (the size in its trailer; it has one member), " +
                        "the NIfTI header declares data up to byte \(minimumSize): the file is truncated or padded, or its header is wrong")
        }
        throw MedPrepError(.corrupt, path: path,
            reason: "the gzip trailer's size \(isize(padding: 0) ?? 0) is impossible for a \(bytes.count)-byte stream " +
                    "of one member, and the NIfTI header declares data up to byte \(minimumSize): the file is damaged or truncated")
    }
}

internal import CXXHash

/// The digest recorded for every output file: XXH3-128 (xxHash), as 32 lowercase hex digits.
///
/// Outputs are hashed as they are written (every byte of every volume, batch and label map: a run writes about
/// twice the bytes it reads), so the hash must cost next to nothing: XXH3 runs at tens of GB/s, where SHA-256
/// would add ~8 % to a GroupNorm run. It detects changed or damaged outputs; inputs keep SHA-256 (`SHA256`).
public final class OutputDigest {
    private let state: OpaquePointer

    public init() {
        guard let state = XXH3_createState(), XXH3_128bits_reset(state) == XXH_OK else {
            fatalError("libxxhash cannot create a hash state")
        }
        self.state = state
    }

    deinit {
        XXH3_freeState(state)
    }

    /// Appends `bytes`.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = XXH3_128bits_update(state, base, bytes.count)
    }

    /// The digest of everything appended, as 32 lowercase hex digits (high 64 bits first, as `xxhsum -H2`).
    public func finalizeHex() -> String {
        let digest = XXH3_128bits_digest(state)
        return hex(digest.high64) + hex(digest.low64)
    }

    /// The digest of the regular file at `path`.
    public static func hexDigest(file path: String) throws -> String {
        let digest = OutputDigest()
        try FileChunks.read(path) { digest.update($0) }
        return digest.finalizeHex()
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

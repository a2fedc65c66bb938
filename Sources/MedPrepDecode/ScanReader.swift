import Foundation
import MedPrepCore

/// Reads any supported scan, recognising the format (`ScanFileFormats`) from the file's magic bytes rather than its name.
///
/// | magic | format |
/// |---|---|
/// | `89 50 4E 47 0D 0A 1A 0A` | PNG |
/// | `II*\0`, `MM\0*`, `II+\0`, `MM\0+` | TIFF, BigTIFF |
/// | `1F 8B` | gzip, read as `.nii.gz` |
/// | `sizeof_hdr` 348 or 540 + NIfTI magic | NIfTI-1 / NIfTI-2 (`.nii`, `.hdr`) |
/// | anything in a `.img` beside a `.hdr` | NIfTI-1 pair |
///
/// A file named `.nii` that holds a PNG is read as PNG; a file that matches no magic is refused with
/// `.unknownFormat`, unless it is shorter than the header its leading bytes announce (`.truncated`).
/// Only regular files are opened: FIFOs, devices and directories are refused before reading.
public struct ScanReader: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = .default) {
        self.limits = limits
    }

    /// Decodes the scan at `path`: with the format that claims its name, else the one its leading bytes announce.
    public func read(path: String) throws -> Scan {
        try Self.format(of: path).read(path: path, limits: limits)
    }

    /// The channel count of the scan at `path` from its header, without decoding voxels
    /// (`ScanFileFormat.channelCount(path:)`).
    public func channelCount(path: String) throws -> Int {
        try Self.format(of: path).channelCount(path: path)
    }

    /// The format that reads `path`: the one that claims its name, else the one its leading bytes announce.
    package static func format(of path: String) throws -> any ScanFileFormat {
        try requireRegularFile(path)
        if let format = ScanFileFormats.claimant(of: path) {
            return format
        }
        let prefix = try Self.prefix(of: path, count: ScanFileFormats.prefixLength)
        if let format = ScanFileFormats.format(ofPrefix: prefix) {
            return format
        }
        if prefix.isEmpty {
            throw MedPrepError(.truncated, path: path, reason: "file is empty")
        }
        if let truncation = ScanFileFormats.all.lazy.compactMap({ $0.truncation(prefix: prefix, path: path) }).first {
            throw truncation
        }
        let shown = prefix.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw MedPrepError(.unknownFormat, path: path,
            reason: "not a \(ScanFileFormats.unknownFormatNames) file (first bytes: \(shown))")
    }

    /// Throws unless `path` is a regular file (after following symbolic links).
    static func requireRegularFile(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a FIFO" : type == S_IFCHR || type == S_IFBLK ? "a device" : "not a regular file"
            throw MedPrepError(.io, path: path, reason: "is \(what); only regular files are read")
        }
    }

    /// Up to `count` leading bytes of the file.
    static func prefix(of path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MedPrepError(.io, path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw MedPrepError(.io, path: path, reason: "cannot read: \(ErrorText.reason(error))")
        }
    }
}

import Foundation
import MedPrepCore

/// Reads any supported scan, recognising the format from the file's magic bytes rather than its name.
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
/// `.unknownFormat`, unless it is shorter than the NIfTI header its `sizeof_hdr` announces (`.truncated`).
/// Only regular files are opened: FIFOs, devices and directories are refused before reading.
public struct ScanReader: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = .default) {
        self.limits = limits
    }

    /// The container a file's leading bytes announce.
    public enum Container: String, Sendable {
        case png
        case tiff
        case gzip
        case nifti
    }

    /// Recognises the container from the first bytes of a file (at least 8, ideally 548).
    public static func container(ofPrefix prefix: [UInt8]) -> Container? {
        if prefix.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if prefix.count >= 4 {
            let head = Array(prefix[0 ..< 4])
            if head == [0x49, 0x49, 0x2A, 0x00] || head == [0x4D, 0x4D, 0x00, 0x2A]
                || head == [0x49, 0x49, 0x2B, 0x00] || head == [0x4D, 0x4D, 0x00, 0x2B] {
                return .tiff
            }
        }
        if prefix.starts(with: [0x1F, 0x8B]) { return .gzip }
        if NIfTIReader.recognizes(prefix: prefix) { return .nifti }
        return nil
    }

    /// Decodes the scan at `path`.
    public func read(path: String) throws -> Scan {
        try Self.requireRegularFile(path)
        let lowered = path.lowercased()
        if lowered.hasSuffix(".img") || lowered.hasSuffix(".img.gz") {
            return try NIfTIReader.read(path: path, limits: limits)
        }
        let prefix = try Self.prefix(of: path, count: 548)
        switch Self.container(ofPrefix: prefix) {
        case .png: return try PNGReader.read(path: path, limits: limits)
        case .tiff: return try TIFFReader.read(path: path, limits: limits)
        case .gzip, .nifti: return try NIfTIReader.read(path: path, limits: limits)
        case nil:
            if prefix.isEmpty {
                throw MedPrepError(.truncated, path: path, reason: "file is empty")
            }
            if let (version, _) = NIfTIHeader.identify(prefix), prefix.count < NIfTIHeader.size(version: version) {
                throw MedPrepError(.truncated, path: path,
                    reason: "file of \(prefix.count) bytes ends inside its \(NIfTIHeader.size(version: version))-byte NIfTI-\(version) header")
            }
            let shown = prefix.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw MedPrepError(.unknownFormat, path: path,
                reason: "not a PNG, TIFF or NIfTI file (first bytes: \(shown))")
        }
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
            throw MedPrepError(.io, path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}

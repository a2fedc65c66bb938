import Foundation
import MedPrepCore

/// `input: {case_id: hashed, case_id_salt_file: …}`: case ids from a salted SHA-256, so that no patient identifier,
/// date, series description or input path reaches an output name, a report or the state store through the id.
///
/// - A DICOM series: `dicom-` + the first 16 hex digits of SHA-256(salt + "\n" + SeriesInstanceUID + "\n" + split
///   key) (`DICOMCaseNaming`).
/// - Any other case: `case-` + the first 16 hex digits of SHA-256(salt + "\n" + its readable id), the readable id
///   being its relative path without the suffix (or the channel pattern's case path).
///
/// The salt is the salt file's text without leading and trailing white space (not empty, at most 4 KiB; use a long
/// random value).
/// It is kept out of the pipeline file (which is shared and logged) and is neither hashed into the pipeline hash nor
/// written anywhere; without it, ids of known UIDs or paths could be recomputed by anyone.
package enum CaseIDHashing {
    /// The most bytes a salt file may hold.
    package static let maxSaltBytes = 4096
    package static let saltExpected = "a readable file of at most \(maxSaltBytes) bytes holding a secret salt (e.g. "
        + "`openssl rand -hex 32 > salt.txt`), kept outside the output directory"

    /// Why `path` cannot serve as the salt file, or nil when it can.
    package static func saltProblem(path: String) -> String? {
        do {
            _ = try salt(path: path)
            return nil
        } catch let error as MedPrepError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    /// The salt in `path`.
    /// - Throws: `MedPrepError(.invalidArgument)` naming the file and the fix.
    package static func salt(path: String) throws -> String {
        func refuse(_ reason: String) -> MedPrepError {
            MedPrepError(.invalidArgument, path: path, reason: "case_id_salt_file: \(reason); it must be \(saltExpected)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw refuse("no such file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw refuse("not a regular file") }
        guard info.st_size <= maxSaltBytes else { throw refuse("\(info.st_size) bytes") }
        guard let data = FileManager.default.contents(atPath: path) else { throw refuse("cannot be read") }
        let salt = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !salt.isEmpty else { throw refuse("it is empty") }
        return salt
    }

    /// The hashed id of a non-DICOM case whose readable id is `readable`.
    package static func id(readable: String, salt: String) -> String {
        "case-" + SHA256Hasher.hexDigest(text: salt + "\n" + readable).prefix(16)
    }
}

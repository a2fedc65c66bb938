import Foundation

extension MedPrepError {
    /// `error` as a `MedPrepError` attributed to `path` (kept as is when it already is one with a path).
    package static func wrap(_ error: Error, path: String?) -> MedPrepError {
        if let error = error as? MedPrepError {
            return path.map { error.at($0) } ?? error
        }
        if let file = ErrorText.fileError(error) {
            return MedPrepError(.io, path: file.path ?? path, reason: file.reason)
        }
        return MedPrepError(.io, path: path, reason: ErrorText.reason(error))
    }
}

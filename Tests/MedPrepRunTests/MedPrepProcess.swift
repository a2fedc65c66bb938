import Foundation
import MedPrepTestSupport

/// The built `medprep` executable as a child process (`ChildProcess`), and the run summary it prints.
enum MedPrepProcess {
    typealias Outcome = ChildProcess.Outcome

    static var packageRoot: String { PackagePaths.root }

    /// Starts `medprep arguments…`; tests pass absolute paths.
    static func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(PackagePaths.medprep, arguments)
    }

    /// Runs `medprep arguments…` to completion.
    static func run(_ arguments: [String]) throws -> Outcome {
        try start(arguments).wait()
    }

    /// Runs `python3 arguments…` (the first `python3` on `PATH`); nil when there is none.
    static func python(_ arguments: [String]) -> Outcome? {
        guard let python = PackagePaths.executable(named: "python3") else { return nil }
        return try? ChildProcess.run(python, arguments)
    }
}

extension ChildProcess.Outcome {
    /// The numbers of the `processed P, up to date U, failed F, removed R` summary line.
    var summary: (processed: Int, upToDate: Int, failed: Int, removed: Int)? {
        guard let line = standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("processed ") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count == 4 else { return nil }
        return (numbers[0], numbers[1], numbers[2], numbers[3])
    }
}

import ArgumentParser

/// The `medprep` command: turns directories of medical scans into normalized training tensors.
@main
struct MedPrep: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "medprep",
        abstract: "Decode medical scans, normalize them (GroupNorm, dataset statistics) and write training tensors.",
        version: version,
        subcommands: []
    )
}

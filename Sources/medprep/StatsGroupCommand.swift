import ArgumentParser

/// `medprep stats`: `medprep stats DIR` (the default, `compute`) and `medprep stats merge PARTIALS…`.
struct StatsGroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Dataset statistics: compute them over a directory (default), or merge shard partials.",
        subcommands: [StatsCommand.self, StatsMergeCommand.self],
        defaultSubcommand: StatsCommand.self
    )
}

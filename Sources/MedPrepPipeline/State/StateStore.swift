import Foundation
import GRDB
import MedPrepCore

/// The incremental-run memory of an output directory: `<output>/.medprep/state.sqlite`.
///
/// One row per processed case with its input fingerprints, hashes, medprep version, output files and group
/// statistics. The database runs in WAL mode; a committed record survives a crash of the process, and an
/// interrupted write leaves the previous state. With `durable` (`--fsync`) it also runs with
/// `synchronous = FULL`, so that records survive a power loss; otherwise `NORMAL`. The runner records a case only *after* its outputs have
/// been given their final names (`AtomicFile`), so a crash in between makes the case look new, never up to date.
///
/// Hashing policy: `assess` reuses the recorded content hash when a file's size and modification time (ns) are
/// both unchanged, and rehashes the file only otherwise. A file rewritten with identical size and timestamp
/// is therefore not noticed; `touch`-ing a file costs one rehash and, when the content is the same, only
/// refreshes the stored timestamp. Outputs follow the same policy against the digest taken as they were written:
/// one whose size changed, or whose content changed under a new timestamp, makes its case stale.
package final class StateStore: Sendable {
    /// Output directory the record's output paths are relative to.
    package let outputDirectory: String
    /// The output directory opened for checking recorded outputs without following symbolic links; nil when it
    /// cannot be opened (every recorded output then counts as missing).
    let outputTree: OutputTree?
    /// `outputTree`'s statuses with its directories kept open (`OutputTreeProbe`), for checking recorded outputs.
    let outputProbe: OutputTreeProbe?
    /// The SQLite file.
    package let path: String
    private let database: DatabaseQueue

    /// Set when the database was found damaged and was moved aside (see `init`): the message to show the user.
    package let recovery: String?

    /// Opens (creating if needed) the state database `<stateDirectory>/state.sqlite` of `outputDirectory`
    /// (default state directory `<output>/.medprep`).
    ///
    /// WAL journal. `durable` (synchronous FULL) fsyncs every commit, so a record survives a power loss; without
    /// it (synchronous NORMAL, what runs use unless `--fsync`) a commit survives a killed process but the last
    /// commits may be lost to a power loss — the database stays consistent and the lost cases are simply redone,
    /// which is also the durability of outputs that are not fsynced.
    ///
    /// A damaged database (not an SQLite file, or failing `PRAGMA quick_check`) is, with `recoverDamaged`, moved
    /// aside to `state.sqlite.corrupt-<UTC time>` (its `-wal` and `-shm` with it, first, so that a stale WAL is
    /// never replayed into the new file) and an empty one is created: every case is then processed again, which
    /// is safe because outputs are only ever replaced whole. `recovery` says so. Call it only while holding the
    /// run lock. Without `recoverDamaged` (dry runs) the error says what to do.
    /// - Throws: `MedPrepError(.io)` if the directory or database cannot be created, opened, or moved aside.
    package init(outputDirectory: String, stateDirectory: String? = nil, durable: Bool = true,
                recoverDamaged: Bool = false) throws {
        self.outputDirectory = outputDirectory
        let directory = stateDirectory ?? outputDirectory + "/.medprep"
        let path = directory + "/state.sqlite"
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MedPrepError(.io, path: directory, reason: "cannot create the state directory: \(ErrorText.reason(error)); "
                + "make the output directory writable, or choose another one with --output")
        }
        outputTree = try? OutputTree(directory: outputDirectory, create: false)
        outputProbe = outputTree.map { OutputTreeProbe(tree: $0) }
        do {
            database = try Self.open(path, durable: durable)
            recovery = nil
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            guard recoverDamaged else {
                throw MedPrepError(.io, path: path, reason: "the state database is damaged (\(error.message ?? "\(error)")). "
                    + "A run without --dry-run moves it aside and rebuilds it (every case is then processed again)")
            }
            let aside = try Self.moveAside(path)
            do {
                database = try Self.open(path, durable: durable)
            } catch {
                throw MedPrepError(.io, path: path, reason: "cannot create a new state database after moving the damaged "
                    + "one to \(aside): \(error)")
            }
            recovery = "the state database \(path) was damaged (\(error.message ?? "\(error)")): moved it aside to \(aside) "
                + "(with its -wal and -shm, if any) and started a new one; every case will be processed again"
        } catch {
            throw MedPrepError(.io, path: path, reason: "cannot open state database: \(error); check that the state "
                + "directory is writable and on a local or NFSv4 file system")
        }
    }

    /// Opens, quick-checks and migrates the database; a damaged file throws `SQLITE_CORRUPT` or `SQLITE_NOTADB`.
    ///
    /// The check comes first and only reads, so a damaged file is never written to (GRDB's own WAL set-up would
    /// write a table into it, and would also reset `synchronous` to NORMAL after `prepareDatabase`); WAL mode and
    /// `synchronous` are set here instead, in that order.
    private static func open(_ path: String, durable: Bool) throws -> DatabaseQueue {
        try checkHeader(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        let check = try database.read { try String.fetchAll($0, sql: "PRAGMA quick_check(1)") }
        guard check == ["ok"] else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "quick_check: \(check.joined(separator: "; "))")
        }
        try database.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else { throw DatabaseError(message: "could not switch the journal to WAL (got \(mode ?? "nothing"))") }
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        }
        try migrator.migrate(database)
        return database
    }

    /// Throws `SQLITE_NOTADB` when a non-empty file does not start with SQLite's 16-byte magic, before SQLite opens
    /// it: SQLite would take it for a database outside WAL mode and delete the `-wal` beside it.
    private static func checkHeader(_ path: String) throws {
        guard let file = FileHandle(forReadingAtPath: path) else { return }
        defer { try? file.close() }
        let head = (try? file.read(upToCount: 16)) ?? Data()
        if !head.isEmpty && head != Data("SQLite format 3\u{0}".utf8) {
            throw DatabaseError(resultCode: .SQLITE_NOTADB, message: "the file does not start with the SQLite header")
        }
    }

    /// `PRAGMA synchronous` of the open connection: 2 (FULL) for a durable store, 1 (NORMAL) otherwise.
    package func synchronousMode() throws -> Int {
        try access { try database.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 } }
    }

    /// Renames `path` and its `-wal`, `-shm` and `-journal` to `<path>.corrupt-<UTC time>…`; returns the new name.
    private static func moveAside(_ path: String) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var aside = path + ".corrupt-" + formatter.string(from: Date())
        var suffix = 1
        while FileManager.default.fileExists(atPath: aside) {
            suffix += 1
            aside = path + ".corrupt-" + formatter.string(from: Date()) + "-\(suffix)"
        }
        for companion in ["-wal", "-shm", "-journal", ""] {
            guard rename(path + companion, aside + companion) == 0 || errno == ENOENT else {
                throw MedPrepError(.io, path: path + companion, reason: "the state database is damaged, and moving it "
                    + "aside failed: \(String(cString: strerror(errno))). Move \(path) and its -wal and -shm files away "
                    + "by hand and run again (every case is then processed again)")
            }
        }
        return aside
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE cases (
                    case_id TEXT PRIMARY KEY NOT NULL,
                    pipeline_hash TEXT NOT NULL,
                    statistics_hash TEXT,
                    medprep_version TEXT NOT NULL,
                    recorded_at REAL NOT NULL);
                CREATE TABLE input_files (
                    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    digest TEXT NOT NULL,
                    PRIMARY KEY (case_id, position));
                CREATE TABLE output_files (
                    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    digest TEXT NOT NULL,
                    PRIMARY KEY (case_id, position));
                """)
        }
        migrator.registerMigration("v2: per-case group statistics") { db in
            try db.execute(sql: "ALTER TABLE cases ADD COLUMN groups TEXT")
        }
        migrator.registerMigration("v3: output modification times") { db in
            try db.execute(sql: "ALTER TABLE output_files ADD COLUMN mtime_ns INTEGER")
        }
        migrator.registerMigration("v4: run facts") { db in
            try db.execute(sql: "CREATE TABLE run_facts (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
        }
        return migrator
    }

    private func access<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MedPrepError {
            throw error
        } catch {
            let damaged = (error as? DatabaseError).map { $0.resultCode == .SQLITE_CORRUPT || $0.resultCode == .SQLITE_NOTADB } ?? false
            throw MedPrepError(.io, path: path, reason: "state database: \(error)"
                + (damaged ? ". The database is damaged: move it (with its -wal and -shm) aside and run again; every case "
                    + "is then processed again" : ""))
        }
    }

    // The statements a run repeats for every case are prepared once per connection (`cachedStatement`): preparing
    // them anew each time cost more CPU than the SQLite work itself.

    /// The record of `caseID`, if any.
    package func record(caseID: String) throws -> OutputRecord? {
        try access { try database.read { try Self.fetch(caseID, db: $0) } }
    }

    private static func fetch(_ caseID: String, db: Database) throws -> OutputRecord? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM cases WHERE case_id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [caseID]) else { return nil }
        let inputs = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM input_files WHERE case_id = ? ORDER BY position"),
                                      arguments: [caseID]).map {
            InputFingerprint(path: $0["path"], size: $0["size"], modifiedNanoseconds: $0["mtime_ns"], digest: $0["digest"])
        }
        let outputs = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM output_files WHERE case_id = ? ORDER BY position"),
                                       arguments: [caseID]).map {
            OutputFile(path: $0["path"], size: $0["size"], digest: $0["digest"], modifiedNanoseconds: $0["mtime_ns"])
        }
        return OutputRecord(caseID: caseID, inputs: inputs, pipelineHash: row["pipeline_hash"], statisticsHash: row["statistics_hash"],
                            medprepVersion: row["medprep_version"], outputs: outputs, groupsJSON: row["groups"],
                            recordedAt: Date(timeIntervalSince1970: row["recorded_at"]))
    }

    /// Every record, keyed by case id, read in one transaction of three table scans (cases, their inputs, their
    /// outputs, each ordered by case and position): what a run looks cases up in, instead of one query per case.
    /// Rows are stepped through SQLite directly (`RecordScan`), one at a time, so no row objects pile up (a run
    /// whose records were read through GRDB rows spent most of the read decoding them, and its peak memory with
    /// them); the values every case shares (pipeline hash, statistics hash, version) are stored once.
    package func records() throws -> [String: OutputRecord] {
        try access {
            try database.read { db in
                var records: [String: OutputRecord] = [:]
                // Sized once: growing a dictionary of 100 000 records copied it several times, and held old and new.
                records.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM cases") ?? 0)
                var shared = RecordScan.SharedText()
                try RecordScan.rows(db, """
                    SELECT case_id, pipeline_hash, statistics_hash, medprep_version, groups, recorded_at FROM cases
                    """) { row in
                    let id = row.text(0)
                    records[id] = OutputRecord(caseID: id, inputs: [], pipelineHash: shared.text(row, 1, slot: 0),
                                               statisticsHash: row.isNull(2) ? nil : shared.text(row, 2, slot: 1),
                                               medprepVersion: shared.text(row, 3, slot: 2), outputs: [],
                                               groupsJSON: row.isNull(4) ? nil : row.text(4),
                                               recordedAt: Date(timeIntervalSince1970: row.double(5)))
                }
                try RecordScan.rows(db, """
                    SELECT case_id, path, size, mtime_ns, digest FROM input_files ORDER BY case_id, position
                    """) { row in
                    records[row.text(0)]?.inputs.append(InputFingerprint(path: row.text(1), size: row.int64(2),
                                                                         modifiedNanoseconds: row.int64(3), digest: row.text(4)))
                }
                try RecordScan.rows(db, """
                    SELECT case_id, path, size, digest, mtime_ns FROM output_files ORDER BY case_id, position
                    """) { row in
                    records[row.text(0)]?.outputs.append(OutputFile(path: row.text(1), size: row.int64(2), digest: row.text(3),
                                                                    modifiedNanoseconds: row.isNull(4) ? nil : row.int64(4)))
                }
                return records
            }
        }
    }

    /// Inserts or replaces the record of a case, in one transaction. Call after the outputs are in place.
    package func record(_ record: OutputRecord) throws {
        try self.record([record])
    }

    /// Inserts or replaces the records of several cases, in one transaction.
    package func record(_ records: [OutputRecord]) throws {
        guard !records.isEmpty else { return }
        try access {
            try database.write { db in
                for record in records { try Self.insert(record, db: db) }
            }
        }
    }

    private static func insert(_ record: OutputRecord, db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM cases WHERE case_id = ?").execute(arguments: [record.caseID])
        try db.cachedStatement(sql: """
            INSERT INTO cases (case_id, pipeline_hash, statistics_hash, medprep_version, recorded_at, groups)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [record.caseID, record.pipelineHash, record.statisticsHash,
                                     record.medprepVersion, record.recordedAt.timeIntervalSince1970,
                                     record.groupsJSON])
        for (position, input) in record.inputs.enumerated() {
            try db.cachedStatement(sql: "INSERT INTO input_files VALUES (?, ?, ?, ?, ?, ?)").execute(
                arguments: [record.caseID, position, input.path, input.size, input.modifiedNanoseconds, input.digest])
        }
        for (position, output) in record.outputs.enumerated() {
            try db.cachedStatement(sql: """
                INSERT INTO output_files (case_id, position, path, size, digest, mtime_ns) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [record.caseID, position, output.path, output.size, output.digest,
                                         output.modifiedNanoseconds])
        }
    }

    /// A fact the runs keep about the output directory (`name` → text), such as `ReportReuse.factName`; nil if unset.
    package func fact(_ name: String) throws -> String? {
        try access { try database.read { try String.fetchOne($0, sql: "SELECT value FROM run_facts WHERE name = ?", arguments: [name]) } }
    }

    /// Sets (or, with nil, removes) a fact.
    package func setFact(_ name: String, _ value: String?) throws {
        try access {
            try database.write { db in
                if let value {
                    try db.execute(sql: "INSERT OR REPLACE INTO run_facts (name, value) VALUES (?, ?)", arguments: [name, value])
                } else {
                    try db.execute(sql: "DELETE FROM run_facts WHERE name = ?", arguments: [name])
                }
            }
        }
    }

    /// All recorded case ids, sorted.
    package func caseIDs() throws -> [String] {
        try access { try database.read { try String.fetchAll($0, sql: "SELECT case_id FROM cases ORDER BY case_id") } }
    }

    /// Every recorded output path with the case that records it (a batch file appears once per case of its batch).
    package func outputPaths() throws -> [(caseID: String, path: String)] {
        try access {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT case_id, path FROM output_files").map { (caseID: $0["case_id"], path: $0["path"]) }
            }
        }
    }

    /// Recorded cases whose id is not in `present` (their inputs were removed), sorted.
    package func removedCases(present: Set<String>) throws -> [String] {
        try caseIDs().filter { !present.contains($0) }
    }

    /// Deletes the records of `caseIDs` (prune), in one transaction. Unknown ids are ignored.
    package func delete(caseIDs: [String]) throws {
        try access {
            try database.write { db in
                for caseID in caseIDs {
                    try db.execute(sql: "DELETE FROM cases WHERE case_id = ?", arguments: [caseID])
                }
            }
        }
    }

    /// Decides whether a case needs processing and returns the inputs' current fingerprints.
    ///
    /// Content hashes are computed for new files and for files whose size or modification time differ from the
    /// record (see the type's hashing policy). When only timestamps moved, the stored timestamps are refreshed.
    /// - Parameters:
    ///   - inputPaths: the case's files (channels, then the label map if any), as absolute paths.
    ///   - pipelineHash: `ResolvedPipeline.processingHash`.
    /// - Throws: `MedPrepError(.io)` when an input cannot be stat'ed or read.
    package func assess(caseID: String, inputPaths: [String], pipelineHash: String, statisticsHash: String?,
                       medprepVersion: String) throws -> InputAssessment {
        let assessment = try assess(recorded: record(caseID: caseID), inputPaths: inputPaths, pipelineHash: pipelineHash,
                                    statisticsHash: statisticsHash, medprepVersion: medprepVersion)
        if let refresh = assessment.refresh { try record(refresh) }
        return assessment
    }

    /// `assess` against a record already read (`records()`), without any SQL: the inputs and outputs are only
    /// `stat`ed (and hashed when their size or time moved). A record to refresh (only timestamps moved) is
    /// returned in `InputAssessment.refresh` for the caller to write, batched with others (`record(_:)`).
    package func assess(recorded: OutputRecord?, inputPaths: [String], pipelineHash: String, statisticsHash: String?,
                        medprepVersion: String) throws -> InputAssessment {
        var fingerprints = [InputFingerprint]()
        for path in inputPaths {
            let (size, modified) = try InputFingerprint.status(of: path)
            if let old = recorded?.inputs.first(where: { $0.path == path }), old.size == size, old.modifiedNanoseconds == modified {
                fingerprints.append(old)
            } else {
                fingerprints.append(InputFingerprint(path: path, size: size, modifiedNanoseconds: modified,
                                                     digest: try ContentDigest.hexDigest(file: path)))
            }
        }
        guard let recorded else { return InputAssessment(decision: .new, inputs: fingerprints) }
        var decision = try compare(recorded, fingerprints, pipelineHash: pipelineHash, statisticsHash: statisticsHash,
                                   medprepVersion: medprepVersion)
        var outputs = recorded.outputs
        if decision == .upToDate {
            (decision, outputs) = try verify(recorded.outputs)
        }
        var assessment = InputAssessment(decision: decision, inputs: fingerprints)
        if decision == .upToDate, recorded.inputs != fingerprints || recorded.outputs != outputs {
            var refreshed = recorded
            refreshed.inputs = fingerprints
            refreshed.outputs = outputs
            assessment.refresh = refreshed
        }
        return assessment
    }

    private func compare(_ recorded: OutputRecord, _ inputs: [InputFingerprint], pipelineHash: String, statisticsHash: String?,
                         medprepVersion: String) throws -> InputDecision {
        if recorded.inputs.map(\.path) != inputs.map(\.path) {
            return .changed("input files changed from \(recorded.inputs.map(\.path)) to \(inputs.map(\.path))")
        }
        for (old, new) in zip(recorded.inputs, inputs) where old.digest != new.digest {
            return .changed("content of \(new.path) changed")
        }
        if recorded.pipelineHash != pipelineHash { return .changed("pipeline changed") }
        if recorded.statisticsHash != statisticsHash { return .changed("dataset statistics changed") }
        if recorded.medprepVersion != medprepVersion {
            return .changed("medprep version changed from \(recorded.medprepVersion) to \(medprepVersion)")
        }
        return .upToDate
    }
}

import GRDB
import GRDBSQLite

/// Steps through the rows of a query with SQLite's own API (`sqlite3_step`, `sqlite3_column_*`), one row at a
/// time, for `StateStore.records()`: reading every record of a large archive through GRDB's `Row` cost more than
/// the SQLite work itself.
enum RecordScan {
    /// The current row of a statement being stepped through; valid only inside the `rows` callback.
    struct Row {
        let statement: OpaquePointer

        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

        /// The column as text (empty for NULL).
        func text(_ column: Int32) -> String {
            guard let bytes = sqlite3_column_text(statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(statement, column))
            return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    }

    /// Texts that most rows repeat (the pipeline hash…), kept once: a column equal to its slot's last value
    /// returns that value's storage instead of a new string.
    struct SharedText {
        private var last: [String] = ["", "", ""]

        mutating func text(_ row: Row, _ column: Int32, slot: Int) -> String {
            guard let bytes = sqlite3_column_text(row.statement, column) else { return "" }
            let count = Int(sqlite3_column_bytes(row.statement, column))
            let buffer = UnsafeBufferPointer(start: bytes, count: count)
            if last[slot].utf8.elementsEqual(buffer) { return last[slot] }
            last[slot] = String(decoding: buffer, as: UTF8.self)
            return last[slot]
        }
    }

    /// Calls `body` with every row of `sql`, in order.
    /// - Throws: `DatabaseError` for a statement that fails.
    static func rows(_ db: Database, _ sql: String, _ body: (Row) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        let handle = statement.sqliteStatement
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            try body(Row(statement: handle))
        }
    }
}

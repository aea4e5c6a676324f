import GRDB

#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// The columns of one result row as the row decoders read them: GRDB's `Row`, or the current
/// row of a statement read in place (``StatementRow``).
protocol ColumnValues {
    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(column index: Int) -> Value { get }
    func databaseValue(at index: Int) -> DatabaseValue
}

extension Row: ColumnValues {
    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(column index: Int) -> Value { self[index] }

    func databaseValue(at index: Int) -> DatabaseValue { self[index] }
}

/// The current row of a statement stepped with SQLite's C API. GRDB's `Row` indexes the column
/// names of each row it makes, which was half the cost of a point read on the API's hot path
/// (docs/PERFORMANCE.md). Values convert as `Row` converts them, and a value of the wrong type
/// stops the process as it does with `Row`: the columns are the store's own.
struct StatementRow: ColumnValues {
    let statement: SQLiteStatement

    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(column index: Int) -> Value {
        guard let value = Value.fromStatement(statement, atUncheckedIndex: CInt(index)) else {
            fatalError("column \(index) does not hold a \(Value.self): \(databaseValue(at: index))")
        }
        return value
    }

    func databaseValue(at index: Int) -> DatabaseValue { DatabaseValue(sqliteStatement: statement, index: CInt(index)) }
}

extension Database {
    /// The first row of a cached statement, decoded in place, or `nil` when there is none.
    func fetchFirst<T>(_ sql: String, arguments: StatementArguments, _ decode: (StatementRow) throws -> T) throws -> T? {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let sqliteStatement = statement.sqliteStatement
        // Reset at once: a statement left on a row keeps its read transaction, and so the WAL, open.
        defer { sqlite3_reset(sqliteStatement) }
        let code = sqlite3_step(sqliteStatement)
        switch code {
        case SQLITE_ROW:
            return try decode(StatementRow(statement: sqliteStatement))
        case SQLITE_DONE:
            return nil
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
        }
    }
}

import Foundation
import GRDB
import KairosStore

/// How a job list sort reads in SQL: the column ordered by (missing run times mapped to the
/// end or the start, as ``JobQuery/SortField`` says, by the virtual columns of migration v6),
/// the index of live jobs in that order (key breaks ties) and the direction.
struct JobOrder {
    let expression: String
    let index: String
    let direction: String
    /// The comparison that means "after" in this direction.
    let after: String
    let field: JobQuery.SortField
    var isKey: Bool { field == .key }

    init(_ sort: JobQuery.Sort) {
        switch sort.field {
        case .key: (expression, index) = ("key", "jobs_by_key")
        case .name: (expression, index) = ("name", "jobs_by_name")
        case .priority: (expression, index) = ("priority", "jobs_by_priority")
        case .createdAt: (expression, index) = ("created_at", "jobs_by_created_at")
        case .nextRunAt: (expression, index) = ("next_run_order", "jobs_idle_by_next_run_order")
        case .lastRunAt: (expression, index) = ("last_run_order", "jobs_by_last_run_order")
        }
        field = sort.field
        direction = sort.descending ? "DESC" : "ASC"
        after = sort.descending ? "<" : ">"
    }

    /// Rows after a cursor's position: a row value, so that SQLite seeks into the index.
    var keyset: String { isKey ? "key \(after) ?" : "(\(expression), key) \(after) (?, ?)" }

    func keysetArguments(_ position: JobCursor) -> [(any DatabaseValueConvertible)?] {
        isKey ? [position.key] : [position.value.databaseValue, position.key]
    }

    var orderBy: String { isKey ? "key \(direction)" : "\(expression) \(direction), key \(direction)" }
}

/// A job list cursor (KairosStore's ``JobCursor``, the same text for every driver) read from
/// and written to SQL values.
extension JobCursor.Value {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .int64(let integer): self = .integer(integer)
        case .string(let text): self = .text(text)
        default: self = .text("")
        }
    }

    var databaseValue: any DatabaseValueConvertible {
        switch self {
        case .text(let text): text
        case .integer(let integer): integer
        }
    }
}

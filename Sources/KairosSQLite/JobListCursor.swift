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

    func keysetArguments(_ position: JobListCursor) -> [(any DatabaseValueConvertible)?] {
        isKey ? [position.key] : [position.value.databaseValue, position.key]
    }

    var orderBy: String { isKey ? "key \(direction)" : "\(expression) \(direction), key \(direction)" }
}

/// Where a page of a job list ends: the order it was made in, the last row's sort value and
/// its key. Opaque to clients (base64 of a small JSON object); a cursor of another order, or
/// anything else, is refused with `invalidCursor`.
struct JobListCursor: Codable {
    enum Value: Codable, Equatable {
        case text(String)
        case integer(Int64)

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

    let sort: String
    let value: Value
    let key: String

    init(sort: JobQuery.Sort, value: Value, key: String) {
        self.sort = sort.description
        self.value = value
        self.key = key
    }

    init(_ text: String, sort: JobQuery.Sort) throws {
        guard let data = Data(base64Encoded: text), let cursor = try? JSONDecoder().decode(Self.self, from: data), !cursor.key.isEmpty else {
            throw StoreError(.invalidCursor, "the cursor '\(text)' is not a cursor of the job list")
        }
        guard cursor.sort == sort.description else {
            throw StoreError(.invalidCursor, "the cursor is for the job list sorted by '\(cursor.sort)', not by '\(sort)'")
        }
        self = cursor
    }

    var text: String { ((try? JSONEncoder().encode(self)) ?? Data()).base64EncodedString() }
}

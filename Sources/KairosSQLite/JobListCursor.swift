import Foundation
import GRDB
import KairosStore

/// How a job list sort reads in SQL: the expression ordered by (with missing run times
/// mapped to the end or the start, as ``JobQuery/SortField`` says) and its direction.
struct JobOrder {
    let expression: String
    let direction: String
    /// The comparison that means "after" in this direction.
    let after: String

    init(_ sort: JobQuery.Sort) {
        switch sort.field {
        case .key: expression = "key"
        case .name: expression = "name"
        case .priority: expression = "priority"
        case .createdAt: expression = "created_at"
        case .nextRunAt: expression = "IFNULL(next_run_at, 9223372036854775807)"
        case .lastRunAt: expression = "IFNULL(last_run_at, -9223372036854775808)"
        }
        direction = sort.descending ? "DESC" : "ASC"
        after = sort.descending ? "<" : ">"
    }
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

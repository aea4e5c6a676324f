import Foundation
import KairosCore
import KairosStore
import PostgresNIO

/// How a job list sort reads in SQL: the value ordered by (missing run times mapped to the end
/// or the start, as ``JobQuery/SortField`` says; the expressions of the `jobs_by_*` indexes),
/// the direction, and whether the cursor's value is text or an integer.
struct PostgresJobOrder {
    let expression: String
    let direction: String
    /// The comparison that means "after" in this direction.
    let after: String
    let field: JobQuery.SortField
    var isKey: Bool { field == .key }
    var isText: Bool { field == .key || field == .name }

    init(_ sort: JobQuery.Sort) {
        switch sort.field {
        case .key: expression = "key"
        case .name: expression = "name"
        case .priority: expression = "priority"
        case .createdAt: expression = "created_at"
        case .nextRunAt: expression = "COALESCE(next_run_at, 9223372036854775807)"
        case .lastRunAt: expression = "COALESCE(last_run_at, -9223372036854775808)"
        }
        field = sort.field
        direction = sort.descending ? "DESC" : "ASC"
        after = sort.descending ? "<" : ">"
    }

    var orderBy: String { isKey ? "key \(direction)" : "\(expression) \(direction), key \(direction)" }
}

extension PostgresJobStore {
    public func listJobs(_ query: JobQuery) async throws -> Page<Job> {
        let limit = min(max(query.limit, 1), JobQuery.maximumLimit)
        let order = PostgresJobOrder(query.sort)
        let cursor = try query.cursor.map { try JobCursor($0, sort: query.sort) }
        if query.matchesNothing { return Page(items: [], nextCursor: nil) }
        var conditions = ["NOT deleted"]
        var values: [Bind] = []
        func parameter(_ value: Bind) -> String {
            values.append(value)
            return "$\(values.count)"
        }
        if let prefix = query.keyPrefix, !prefix.isEmpty {
            conditions.append("starts_with(key, \(parameter(Bind(prefix))))")
        }
        if let search = query.search, !search.isEmpty {
            // ASCII letters in either case, as the other drivers compare (not the locale's lower()).
            let needle = parameter(Bind(Self.asciiLowercased(search)))
            conditions.append("(strpos(\(Self.asciiLower("key")), \(needle)) > 0 OR strpos(\(Self.asciiLower("name")), \(needle)) > 0)")
        }
        if let task = query.task { conditions.append("task = \(parameter(Bind(task)))") }
        if let state = query.state { conditions.append(Self.stateCondition(state)) }
        if let enabled = query.enabled { conditions.append("enabled = \(parameter(Bind(enabled)))") }
        if let paused = query.paused { conditions.append("paused = \(parameter(Bind(paused)))") }
        if !query.includeSystem { conditions.append("NOT system") }
        if let cursor {
            switch (cursor.value, order.isText) {
            case (.text(let value), true):
                conditions.append(
                    order.isKey
                        ? "key \(order.after) \(parameter(Bind(cursor.key)))"
                        : "(name, key) \(order.after) (\(parameter(Bind(value))), \(parameter(Bind(cursor.key))))")
            case (.integer(let value), false):
                conditions.append("(\(order.expression), key) \(order.after) (\(parameter(Bind(value)))::bigint, \(parameter(Bind(cursor.key))))")
            default:
                throw StoreError(.invalidCursor, "the cursor '\(query.cursor ?? "")' is not a cursor of the job list sorted by '\(query.sort)'")
            }
        }
        let sql = """
            SELECT \(Self.jobColumns), \(order.expression) FROM jobs WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(order.orderBy) LIMIT \(parameter(Bind(limit + 1)))
            """
        let bound = values
        return try await read { session in
            let rows = try await session.rows(sql, bound)
            let jobs = try rows.prefix(limit).map { try self.decodeJob($0) }
            var next: String?
            if rows.count > limit, let last = rows.prefix(limit).last, let job = jobs.last {
                let value: JobCursor.Value =
                    order.isText ? .text(try last[Self.jobColumnCount].decode(String.self)) : .integer(try last[Self.jobColumnCount].decode(Int64.self))
                next = JobCursor(sort: query.sort, value: value, key: job.key).text
            }
            return Page(items: jobs, nextCursor: next)
        }
    }

    /// `column` with ASCII capitals made small (`translate`), whatever the database's locale.
    static func asciiLower(_ column: String) -> String {
        "translate(\(column), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    }

    static func asciiLowercased(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }
}

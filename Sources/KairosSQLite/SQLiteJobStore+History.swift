import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    public func execution(id: UUID) async throws -> Execution? {
        try await pointRead { db in try self.fetchExecution(id: id, db: db) }
    }

    static let maximumHistoryLimit = 500

    public func history(_ query: HistoryQuery) async throws -> Page<Execution> {
        let limit = min(max(query.limit, 1), Self.maximumHistoryLimit)
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let jobId = query.jobId {
            conditions.append("job_id = ?")
            arguments.append(jobId)
        }
        if !query.statuses.isEmpty {
            let statuses = query.statuses.map(\.rawValue).sorted()
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
            arguments += statuses.map { $0 as (any DatabaseValueConvertible)? }
        }
        let range = query.scheduledRange
        if let from = range.from {
            conditions.append("scheduled_at >= ?")
            arguments.append(from)
        }
        if let before = range.before {
            conditions.append("scheduled_at < ?")
            arguments.append(before)
        }
        if let cursor = query.cursor {
            let position = try HistoryCursor(cursor)
            conditions.append("(scheduled_at < ? OR (scheduled_at = ? AND id < ?))")
            arguments += [position.micros, position.micros, position.id]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.executionColumns) FROM executions \(whereClause) ORDER BY scheduled_at DESC, id DESC LIMIT ?"
        arguments.append(limit + 1)
        let finalArguments = StatementArguments(arguments)
        return try await read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: finalArguments)
            let items = try rows.prefix(limit).map { try self.decodeExecution($0) }
            let next = rows.count > limit ? items.last.map { HistoryCursor(after: $0).text } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// One read transaction (one snapshot, one hop to a reader) with a probe of
    /// `executions_history_job` per job, reading the status column only.
    public func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]] {
        guard !query.jobIds.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT status FROM executions WHERE job_id = ? ORDER BY scheduled_at DESC, id DESC LIMIT ?")
            var statuses: [UUID: [ExecutionStatus]] = [:]
            for jobId in query.jobIds {
                let texts = try String.fetchAll(statement, arguments: [jobId, query.limit])
                guard !texts.isEmpty else { continue }
                statuses[jobId] = try texts.map { text in
                    guard let status = ExecutionStatus(rawValue: text) else {
                        throw StoreError(.unavailable, "the SQLite database at '\(self.path)' holds an execution that cannot be read (status '\(text)')")
                    }
                    return status
                }
            }
            return statuses
        }
    }

    public func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    DELETE FROM executions WHERE id IN (
                      SELECT id FROM executions
                      WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN ('succeeded', 'failed', 'cancelled', 'missed')
                        AND lease_expires_at IS NULL
                      ORDER BY finished_at
                      LIMIT ?)
                    """
            ).execute(arguments: [Micros.from(cutoff), limit])
            return db.changesCount
        }
    }

    public func executionCounts() async throws -> [ExecutionStatus: Int] {
        try await read { db in
            var counts: [ExecutionStatus: Int] = [:]
            for status in ExecutionStatus.allCases { counts[status] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM executions GROUP BY status") {
                let text: String = row[0]
                if let status = ExecutionStatus(rawValue: text) { counts[status] = row[1] }
            }
            return counts
        }
    }
}

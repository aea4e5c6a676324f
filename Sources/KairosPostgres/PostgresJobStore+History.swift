import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    public func execution(id: UUID) async throws -> Execution? {
        try await read { session in try await self.fetchExecution(id: id, session: session) }
    }

    static let maximumHistoryLimit = 500

    public func history(_ query: HistoryQuery) async throws -> Page<Execution> {
        let limit = min(max(query.limit, 1), Self.maximumHistoryLimit)
        var conditions: [String] = []
        var values: [Bind] = []
        if let jobId = query.jobId {
            values.append(Bind(jobId))
            conditions.append("job_id = $\(values.count)")
        }
        if !query.statuses.isEmpty {
            values.append(Bind(query.statuses.map(\.rawValue).sorted()))
            conditions.append("status = ANY($\(values.count)::text[])")
        }
        let range = query.scheduledRange
        if let from = range.from {
            values.append(Bind(from))
            conditions.append("scheduled_at >= $\(values.count)")
        }
        if let before = range.before {
            values.append(Bind(before))
            conditions.append("scheduled_at < $\(values.count)")
        }
        if let cursor = query.cursor {
            let position = try HistoryCursor(cursor)
            values += [Bind(position.micros), Bind(position.id)]
            conditions.append("(scheduled_at, id) < ($\(values.count - 1), $\(values.count))")
        }
        values.append(Bind(limit + 1))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.executionColumns) FROM executions \(whereClause) ORDER BY scheduled_at DESC, id DESC LIMIT $\(values.count)"
        let bound = values
        return try await read { session in
            let rows = try await session.rows(sql, bound)
            let items = try rows.prefix(limit).map { try self.decodeExecution($0) }
            let next = rows.count > limit ? items.last.map { HistoryCursor(after: $0).text } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// One statement: a lateral probe of `executions_history_job` per job, the status column only.
    public func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]] {
        guard !query.jobIds.isEmpty else { return [:] }
        return try await read { session in
            var statuses: [UUID: [ExecutionStatus]] = [:]
            let rows = try await session.rows(
                """
                SELECT j.id, e.status FROM unnest($1::uuid[]) AS j(id)
                CROSS JOIN LATERAL (
                  SELECT status, scheduled_at, id FROM executions WHERE job_id = j.id ORDER BY scheduled_at DESC, id DESC LIMIT $2) AS e
                ORDER BY j.id, e.scheduled_at DESC, e.id DESC
                """, [Bind(query.jobIds), Bind(query.limit)])
            for row in rows {
                var cells = RowReader(row)
                let jobId: UUID = try cells.next()
                let text: String = try cells.next()
                guard let status = ExecutionStatus(rawValue: text) else {
                    throw StoreError(.unavailable, "the PostgreSQL database \(configuration) holds an execution that cannot be read (status '\(text)')")
                }
                statuses[jobId, default: []].append(status)
            }
            return statuses
        }
    }

    /// Rows another instance's retention is deleting are skipped (`SKIP LOCKED`): two
    /// instances running retention at once delete disjoint slices.
    public func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await write { session in
            try await session.rows(
                """
                DELETE FROM executions WHERE id IN (
                  SELECT id FROM executions
                  WHERE finished_at IS NOT NULL AND finished_at < $1 AND status IN ('succeeded', 'failed', 'cancelled', 'missed')
                    AND lease_expires_at IS NULL
                  ORDER BY finished_at
                  LIMIT $2 FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """, [Bind(Micros.from(cutoff)), Bind(limit)]
            ).count
        }
    }

    public func executionCounts() async throws -> [ExecutionStatus: Int] {
        try await read { session in
            var counts: [ExecutionStatus: Int] = [:]
            for status in ExecutionStatus.allCases { counts[status] = 0 }
            for row in try await session.rows("SELECT status, count(*) FROM executions GROUP BY status") {
                if let status = ExecutionStatus(rawValue: try row[0].decode(String.self)) { counts[status] = try row[1].decode(Int.self) }
            }
            return counts
        }
    }
}

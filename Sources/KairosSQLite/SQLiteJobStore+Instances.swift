import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    public func registerInstance(_ instance: InstanceInfo) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO instances (id, hostname, pid, roles, version, started_at, heartbeat_at, stopped_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, roles = excluded.roles,
                      version = excluded.version, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
                      stopped_at = excluded.stopped_at
                    """
            ).execute(arguments: [
                instance.id, instance.hostname, instance.pid, instance.roles.joined(separator: ","), instance.version,
                Micros.from(instance.startedAt), Micros.from(instance.heartbeatAt), Micros.optional(instance.stoppedAt),
            ])
        }
    }

    public func heartbeat(instanceId: String, now: Date, leaseUntil: Date) async throws -> [UUID] {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE instances SET heartbeat_at = ? WHERE id = ?").execute(arguments: [Micros.from(now), instanceId])
            // Renews the leases of its running attempts, and of cancelled ones it has not reported back yet.
            try db.cachedStatement(
                sql: """
                    UPDATE executions SET lease_expires_at = ?
                    WHERE instance_id = ? AND lease_expires_at IS NOT NULL AND status IN ('running', 'cancelled')
                    """
            ).execute(arguments: [Micros.from(leaseUntil), instanceId])
            return try UUID.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id FROM executions WHERE instance_id = ? AND lease_expires_at IS NOT NULL AND status = 'cancelled'"),
                arguments: [instanceId])
        }
    }

    public func markInstanceStopped(instanceId: String, now: Date) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE instances SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL")
                .execute(arguments: [Micros.from(now), instanceId])
        }
    }

    public func listInstances() async throws -> [InstanceInfo] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, hostname, pid, roles, version, started_at, heartbeat_at, stopped_at FROM instances ORDER BY started_at, id"
            ).map { row in
                let roles: String = row[3]
                return InstanceInfo(
                    id: row[0], hostname: row[1], pid: row[2], roles: roles.split(separator: ",").map(String.init), version: row[4],
                    startedAt: Micros.date(row[5] as Int64), heartbeatAt: Micros.date(row[6] as Int64),
                    stoppedAt: Micros.date(row[7] as Int64?))
            }
        }
    }

    public func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int, sparing: String?) async throws -> [Execution] {
        try await write { db in
            let nowMicros = Micros.from(now)
            try db.cachedStatement(sql: "UPDATE instances SET stopped_at = ? WHERE stopped_at IS NULL AND heartbeat_at < ?")
                .execute(arguments: [nowMicros, Micros.from(now.addingTimeInterval(-max(0, deadAfter)))])
            // Cancelled attempts whose worker never reported back: nothing to retry, drop the lease.
            try db.cachedStatement(
                sql: "UPDATE executions SET lease_expires_at = NULL WHERE status = 'cancelled' AND lease_expires_at IS NOT NULL AND lease_expires_at < ?"
            ).execute(arguments: [nowMicros])
            guard limit > 0 else { return [] }
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.executionColumns(alias: "e")), \(Self.jobColumns(alias: "j"))
                        FROM executions e JOIN jobs j ON j.id = e.job_id
                        WHERE e.lease_expires_at IS NOT NULL AND e.lease_expires_at < ? AND e.status = 'running'
                          AND (? IS NULL OR e.instance_id IS NULL OR e.instance_id != ?)
                        ORDER BY e.lease_expires_at
                        LIMIT ?
                        """),
                arguments: [nowMicros, sparing, sparing, limit])
            let update = try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = ?, run_after = ?, attempt = ?, finished_at = ?, error_reason = ?,
                      error_message = ?, instance_id = ?, lease_expires_at = NULL, miss_after = ?, attempts = ?
                    WHERE id = ?
                    """)
            let updateJob = try db.cachedStatement(sql: "UPDATE jobs SET last_run_at = ?, last_status = 'failed' WHERE id = ?")
            var reaped: [Execution] = []
            for row in rows {
                let stored = try self.decodeExecution(row)
                let job = try self.decodeJob(row, offset: Self.executionColumnCount)
                let execution = stored.reaped(job: job, now: now, jitterFraction: .random(in: 0...1))
                try update.execute(arguments: [
                    execution.status.rawValue, Micros.from(execution.runAfter), execution.attempt, Micros.optional(execution.finishedAt),
                    execution.error?.reason, execution.error?.message, execution.instanceId, Micros.optional(execution.missAfter),
                    try AttemptsColumn.encode(execution.earlierAttempts), execution.id,
                ])
                if execution.status == .failed {
                    try updateJob.execute(arguments: [Micros.from(execution.startedAt ?? execution.runAfter), execution.jobId])
                }
                reaped.append(execution)
            }
            return reaped
        }
    }

    public func recoverInstances(otherThan instanceId: String, now: Date) async throws -> [String] {
        try await write { db in
            let nowMicros = Micros.from(now)
            let stopped = try String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM instances WHERE stopped_at IS NULL AND id != ? ORDER BY id"), arguments: [instanceId])
            try db.cachedStatement(sql: "UPDATE instances SET stopped_at = ? WHERE stopped_at IS NULL AND id != ?")
                .execute(arguments: [nowMicros, instanceId])
            // Expire their leases a microsecond ago: the next reap takes them.
            try db.cachedStatement(
                sql: """
                    UPDATE executions SET lease_expires_at = ?
                    WHERE lease_expires_at IS NOT NULL AND lease_expires_at >= ? AND (instance_id IS NULL OR instance_id != ?)
                    """
            ).execute(arguments: [nowMicros - 1, nowMicros, instanceId])
            return stopped
        }
    }
}

import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    public func registerInstance(_ instance: InstanceInfo) async throws {
        try await write { session in
            try await session.execute(
                """
                INSERT INTO instances (id, hostname, pid, roles, version, started_at, heartbeat_at, stopped_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, roles = excluded.roles,
                  version = excluded.version, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
                  stopped_at = excluded.stopped_at
                """,
                [
                    Bind(instance.id), Bind(instance.hostname), Bind(instance.pid), Bind(instance.roles.joined(separator: ",")), Bind(instance.version),
                    Bind(Micros.from(instance.startedAt)), Bind(Micros.from(instance.heartbeatAt)), Bind(Micros.optional(instance.stoppedAt)),
                ])
        }
    }

    public func heartbeat(instanceId: String, now: Date, leaseUntil: Date) async throws -> [UUID] {
        try await write { session in
            try await session.execute("UPDATE instances SET heartbeat_at = $1 WHERE id = $2", [Bind(Micros.from(now)), Bind(instanceId)])
            // Renews the leases of its running attempts, and of cancelled ones it has not reported
            // back yet. A row another transaction holds (an outcome batch writing it, most often)
            // is skipped, not waited for: the two lock the same rows in different orders, and
            // waiting deadlocked them under load (PostgreSQL breaks it after deadlock_timeout,
            // 1 s, and one of them is retried). The next heartbeat renews it, well within a lease.
            try await session.execute(
                """
                UPDATE executions SET lease_expires_at = $1
                WHERE id IN (
                  SELECT id FROM executions
                  WHERE instance_id = $2 AND lease_expires_at IS NOT NULL AND status IN ('running', 'cancelled')
                  FOR UPDATE SKIP LOCKED)
                """, [Bind(Micros.from(leaseUntil)), Bind(instanceId)])
            return try await session.rows(
                "SELECT id FROM executions WHERE instance_id = $1 AND lease_expires_at IS NOT NULL AND status = 'cancelled'", [Bind(instanceId)]
            ).map { try $0[0].decode(UUID.self) }
        }
    }

    public func markInstanceStopped(instanceId: String, now: Date) async throws {
        try await write { session in
            try await session.execute(
                "UPDATE instances SET stopped_at = $1 WHERE id = $2 AND stopped_at IS NULL", [Bind(Micros.from(now)), Bind(instanceId)])
        }
    }

    public func listInstances() async throws -> [InstanceInfo] {
        try await read { session in
            try await session.rows(
                "SELECT id, hostname, pid, roles, version, started_at, heartbeat_at, stopped_at FROM instances ORDER BY started_at, id"
            ).map { row in
                var cells = RowReader(row)
                let id: String = try cells.next()
                let hostname: String = try cells.next()
                let pid: Int = try cells.next()
                let roles: String = try cells.next()
                let version: String = try cells.next()
                let startedAt: Int64 = try cells.next()
                let heartbeatAt: Int64 = try cells.next()
                let stoppedAt: Int64? = try cells.next()
                return InstanceInfo(
                    id: id, hostname: hostname, pid: pid, roles: roles.split(separator: ",").map(String.init), version: version,
                    startedAt: Micros.date(startedAt), heartbeatAt: Micros.date(heartbeatAt), stoppedAt: Micros.date(stoppedAt))
            }
        }
    }

    /// Expired leases locked `FOR UPDATE OF e SKIP LOCKED`: a row a completion (or another
    /// reaper) holds is left to it, so an attempt is either completed or reaped, never both.
    /// One instance reaps at a time (``reaperLockKey``): while another one does, this returns
    /// nothing and leaves the work to it.
    public func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int, sparing: String?) async throws -> [Execution] {
        try await write { session in
            let reaper = try await session.rows("SELECT pg_try_advisory_xact_lock($1)", [Bind(Self.reaperLockKey)])
            guard try reaper.first?[0].decode(Bool.self) == true else { return [] }
            let nowMicros = Micros.from(now)
            try await session.execute(
                "UPDATE instances SET stopped_at = $1 WHERE stopped_at IS NULL AND heartbeat_at < $2",
                [Bind(nowMicros), Bind(Micros.from(now.addingTimeInterval(-max(0, deadAfter))))])
            // Cancelled attempts whose worker never reported back: nothing to retry, drop the lease.
            try await session.execute(
                "UPDATE executions SET lease_expires_at = NULL WHERE status = 'cancelled' AND lease_expires_at IS NOT NULL AND lease_expires_at < $1",
                [Bind(nowMicros)])
            guard limit > 0 else { return [] }
            let rows = try await session.rows(
                """
                SELECT \(Self.executionColumns(alias: "e")), \(Self.jobColumns)
                FROM executions e JOIN \(Self.jobSource) ON j.id = e.job_id
                WHERE e.lease_expires_at IS NOT NULL AND e.lease_expires_at < $1 AND e.status = 'running'
                  AND ($2::text IS NULL OR e.instance_id IS NULL OR e.instance_id <> $2::text)
                ORDER BY e.lease_expires_at
                LIMIT $3 FOR UPDATE OF e SKIP LOCKED
                """, [Bind(nowMicros), Bind(sparing), Bind(limit)])
            var reaped: [Execution] = []
            var failedJobs: [LastRunRecord] = []
            for row in rows {
                let stored = try self.decodeExecution(row)
                let job = try self.decodeJob(row, offset: Self.executionColumnCount)
                let execution = stored.reaped(job: job, now: now, jitterFraction: .random(in: 0...1))
                if execution.status == .failed {
                    failedJobs.append(
                        LastRunRecord(id: execution.jobId, lastRunAt: Micros.from(execution.startedAt ?? execution.runAfter), lastStatus: "failed"))
                }
                reaped.append(execution)
            }
            guard !reaped.isEmpty else { return [] }
            let records = try reaped.map(ReapRecord.init)
            try await session.execute(
                """
                UPDATE executions e SET status = x.status, run_after = x.run_after, attempt = x.attempt, finished_at = x.finished_at,
                  error_reason = x.error_reason, error_message = x.error_message, instance_id = x.instance_id, lease_expires_at = NULL,
                  miss_after = x.miss_after, attempts = x.attempts
                FROM jsonb_to_recordset($1::jsonb) AS x(
                  id uuid, status text, run_after bigint, attempt integer, finished_at bigint, error_reason text, error_message text,
                  instance_id text, miss_after bigint, attempts text)
                WHERE e.id = x.id
                """, [Bind(try RecordsEncoder.encode(records))])
            // The last failure of each job (in reaping order, as applied one by one).
            var lastRuns: [UUID: LastRunRecord] = [:]
            for record in failedJobs { lastRuns[record.id] = record }
            if !lastRuns.isEmpty {
                try await session.execute(
                    """
                    UPDATE job_runs r SET last_run_at = x.last_run_at, last_status = x.last_status
                    FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, last_run_at bigint, last_status text) WHERE r.job_id = x.id
                    """, [Bind(try RecordsEncoder.encode(Array(lastRuns.values)))])
            }
            if reaped.contains(where: { $0.status == .queued }) { try await session.notify(.work) }
            return reaped
        }
    }

    /// The transaction-scoped advisory lock of the reaper ("KairosRP"): every instance reaps at
    /// each heartbeat, and one at a time is enough (the others would only skip its locked rows).
    static let reaperLockKey: Int64 = 0x4B61_6972_6F73_5250

    public func recoverInstances(otherThan instanceId: String, now: Date) async throws -> [String] {
        try await write { session in
            let nowMicros = Micros.from(now)
            let stopped = try await session.rows(
                "UPDATE instances SET stopped_at = $1 WHERE stopped_at IS NULL AND id <> $2 RETURNING id", [Bind(nowMicros), Bind(instanceId)]
            ).map { try $0[0].decode(String.self) }.sorted()
            // Expire their leases a microsecond ago: the next reap takes them.
            try await session.execute(
                """
                UPDATE executions SET lease_expires_at = $1
                WHERE lease_expires_at IS NOT NULL AND lease_expires_at >= $2 AND (instance_id IS NULL OR instance_id <> $3)
                """, [Bind(nowMicros - 1), Bind(nowMicros), Bind(instanceId)])
            return stopped
        }
    }
}

/// A reaped attempt's new state (``Execution/reaped(job:now:jitterFraction:)``).
struct ReapRecord: Encodable {
    var id: UUID
    var status: String
    var runAfter: Int64
    var attempt: Int
    var finishedAt: Int64?
    var errorReason: String?
    var errorMessage: String?
    var instanceId: String?
    var missAfter: Int64?
    var attempts: String?

    init(_ execution: Execution) throws {
        id = execution.id
        status = execution.status.rawValue
        runAfter = Micros.from(execution.runAfter)
        attempt = execution.attempt
        finishedAt = Micros.optional(execution.finishedAt)
        errorReason = execution.error?.reason
        errorMessage = execution.error?.message
        instanceId = execution.instanceId
        missAfter = Micros.optional(execution.missAfter)
        attempts = try AttemptsColumn.encode(execution.earlierAttempts)
    }
}

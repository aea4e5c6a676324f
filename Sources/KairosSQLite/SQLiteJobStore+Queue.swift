import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    static let candidatesSQL = """
        SELECT \(executionColumns(alias: "e")), \(jobColumns(alias: "j")), e.rowid
        FROM executions e INDEXED BY executions_queue_order JOIN jobs j ON j.id = e.job_id
        WHERE e.status = 'queued' AND e.run_after <= ? AND j.deleted = 0 AND (e.miss_after IS NULL OR e.miss_after >= ?)
        ORDER BY e.priority DESC, e.run_after ASC, e.scheduled_at ASC
        LIMIT ? OFFSET ?
        """

    static let anyRunnableSQL = "SELECT 1 FROM executions INDEXED BY executions_queued WHERE status = 'queued' AND run_after <= ? LIMIT 1"

    public func claimExecutions(instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedExecution] {
        guard limit > 0 else { return [] }
        return try await write { db in
            // Nothing queued is runnable (the usual answer while the scheduler hands its fires
            // to this instance's workers): an index probe, not a count of every running
            // execution per job, which cost a tenth of the writer's time under overload.
            guard try Bool.fetchOne(db.cachedStatement(sql: Self.anyRunnableSQL), arguments: [Micros.from(horizon)]) == true else { return [] }
            var budget = ClaimBudget(running: try Self.runningCounts(db))
            let candidates = try db.cachedStatement(sql: Self.candidatesSQL)
            let claim = try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = 'running', instance_id = ?, lease_expires_at = ?,
                      started_at = NULL, finished_at = NULL, duration_ms = NULL, error_reason = NULL, error_message = NULL, result = NULL
                    WHERE rowid = ?
                    """)
            let leaseMicros = Micros.from(leaseUntil)
            var claimed: [ClaimedExecution] = []
            // Candidates skipped (their job is at maxInstances, or a waiting fire past its grace,
            // left to the scheduler's sweep) do not count; scan a bounded number of them.
            let pageSize = min(max(limit * 2, 64), 1_000)
            let maximumScanned = limit * 8 + 2_000
            // Claimed rows leave the queued set, so the next page starts after the skipped ones only.
            var skipped = 0
            var scanned = 0
            scan: while claimed.count < limit, scanned < maximumScanned {
                // Waiting fires past their grace are left out in SQL too (the sweep records them).
                let rows = try Row.fetchAll(candidates, arguments: [Micros.from(horizon), Micros.from(now), pageSize, skipped])
                scanned += rows.count
                for row in rows {
                    let execution = try self.decodeExecution(row)
                    let maxInstances: Int = row[Self.executionColumnCount + 8]
                    guard execution.isStartable(at: now), budget.admits(jobId: execution.jobId, maxInstances: maxInstances) else {
                        skipped += 1
                        continue
                    }
                    let job = try self.decodeJob(row, offset: Self.executionColumnCount)
                    try claim.execute(arguments: [instanceId, leaseMicros, row[Self.executionColumnCount + Self.jobColumnCount] as Int64])
                    budget.record(jobId: execution.jobId)
                    claimed.append(ClaimedExecution(execution: execution.claimed(by: instanceId, leaseUntil: leaseUntil), job: job))
                    if claimed.count == limit { break scan }
                }
                if rows.count < pageSize { break }
            }
            return claimed
        }
    }

    public func recordStarts(_ starts: [AttemptStart]) async throws {
        guard !starts.isEmpty else { return }
        try await write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE executions SET started_at = ? WHERE id = ? AND status = 'running' AND instance_id = ? AND attempt = ?")
            for start in starts {
                try statement.execute(arguments: [Micros.from(start.startedAt), start.executionId, start.instanceId, start.attempt])
            }
        }
    }

    public func earliestQueued(after: Date) async throws -> Date? {
        try await read { db in
            Micros.date(
                try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT MIN(run_after) FROM executions WHERE status = 'queued' AND run_after > ?"),
                    arguments: [Micros.from(after)]))
        }
    }

    public func queueDepth(now: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM executions WHERE status = 'queued' AND run_after <= ?"),
                arguments: [Micros.from(now)]) ?? 0
        }
    }

    @discardableResult
    public func complete(_ completions: [Completion], now: Date) async throws -> [UUID] {
        guard !completions.isEmpty else { return [] }
        return try await write { db in
            var ignored: [UUID] = []
            let finish = try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = ?, started_at = ?, finished_at = ?, duration_ms = ?, error_reason = ?,
                      error_message = ?, result = ?, lease_expires_at = NULL
                    WHERE id = ? AND status = 'running' AND instance_id = ? AND attempt = ?
                    """)
            let retry = try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = 'queued', run_after = ?, attempt = attempt + 1, started_at = ?, finished_at = ?,
                      duration_ms = ?, error_reason = ?, error_message = ?, result = ?, instance_id = NULL, lease_expires_at = NULL,
                      miss_after = NULL, attempts = json_insert(IFNULL(attempts, '[]'), '$[#]', json(?))
                    WHERE id = ? AND status = 'running' AND instance_id = ? AND attempt = ?
                    """)
            let release = try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = 'queued', run_after = ?, instance_id = NULL, lease_expires_at = NULL
                    WHERE id = ? AND status = 'running' AND instance_id = ? AND attempt = ?
                    """)
            let updateJob = try db.cachedStatement(
                sql: "UPDATE jobs SET last_run_at = ?, last_status = ? WHERE id = (SELECT job_id FROM executions WHERE id = ?)")
            // A completion for an attempt cancelled meanwhile (Execution.acknowledged): its timing
            // and result, and no more lease, so heartbeats stop reporting it.
            let acknowledge = try db.cachedStatement(
                sql: """
                    UPDATE executions SET started_at = ?, finished_at = ?, duration_ms = ?, result = ?, lease_expires_at = NULL
                    WHERE id = ? AND status = 'cancelled' AND instance_id = ? AND attempt = ?
                    """)
            let acknowledgeUnstarted = try db.cachedStatement(
                sql: "UPDATE executions SET lease_expires_at = NULL WHERE id = ? AND status = 'cancelled' AND instance_id = ? AND attempt = ?")
            for completion in completions {
                let id = completion.executionId
                let started = Micros.from(completion.startedAt)
                let finished = Micros.from(completion.finishedAt)
                let duration = completion.durationMs
                let owner: [any DatabaseValueConvertible] = [id, completion.instanceId, completion.attempt]
                var finalStatus: ExecutionStatus?
                switch completion.outcome {
                case .succeeded(let result):
                    try finish.execute(
                        arguments: StatementArguments([ExecutionStatus.succeeded.rawValue, started, finished, duration, nil, nil, result] as [(any DatabaseValueConvertible)?]) + StatementArguments(owner))
                    finalStatus = .succeeded
                case .failed(let error, let result, let retryAt?):
                    try retry.execute(
                        arguments: StatementArguments([
                            Micros.from(retryAt), started, finished, duration, error.reason, error.message, result,
                            try AttemptsColumn.encode(ExecutionAttempt(retried: completion, error: error, result: result)),
                        ] as [(any DatabaseValueConvertible)?]) + StatementArguments(owner))
                case .failed(let error, let result, nil):
                    try finish.execute(
                        arguments: StatementArguments([ExecutionStatus.failed.rawValue, started, finished, duration, error.reason, error.message, result] as [(any DatabaseValueConvertible)?]) + StatementArguments(owner))
                    finalStatus = .failed
                case .released(let runAfter):
                    try release.execute(arguments: StatementArguments([Micros.from(runAfter)]) + StatementArguments(owner))
                }
                if db.changesCount == 0 {
                    ignored.append(completion.executionId)
                    switch completion.outcome {
                    case .succeeded(let result), .failed(_, let result, _):
                        try acknowledge.execute(
                            arguments: StatementArguments([started, finished, duration, result] as [(any DatabaseValueConvertible)?]) + StatementArguments(owner))
                    case .released:
                        try acknowledgeUnstarted.execute(arguments: StatementArguments(owner))
                    }
                    continue
                }
                if let finalStatus {
                    try updateJob.execute(arguments: [started, finalStatus.rawValue, id])
                }
            }
            return ignored
        }
    }

    public func cancel(executionId: UUID, now: Date) async throws -> Execution {
        try await write { db in
            guard let stored = try self.fetchExecution(id: executionId, db: db) else {
                throw StoreError(.notFound, "no execution with id \(executionId.uuidString)", executionId: executionId)
            }
            let execution = try stored.cancelled(now: now)
            try db.cachedStatement(
                sql: "UPDATE executions SET status = 'cancelled', error_reason = ?, error_message = ?, finished_at = ?, duration_ms = ? WHERE id = ?"
            ).execute(arguments: [execution.error?.reason, execution.error?.message, Micros.from(now), execution.durationMs, executionId])
            return execution
        }
    }
}

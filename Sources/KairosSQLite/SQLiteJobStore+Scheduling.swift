import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    /// Walks the due index in fire order (named: the filter indexes of migration v6 would let
    /// SQLite pick an equality on enabled and paused, then sort every active job).
    static let dueJobsSQL = """
        SELECT \(jobColumns), rowid
        FROM jobs INDEXED BY jobs_due_by_key
        WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?
        ORDER BY next_run_at
        LIMIT ?
        """

    /// Inserts a scheduled execution unless its (job, fire) already has one: the exactly-once guarantee.
    static let insertFireSQL = """
        INSERT INTO executions (\(executionColumns)) VALUES (\(executionPlaceholders))
        ON CONFLICT DO NOTHING
        """

    /// Waiting fires past their grace, oldest deadline first.
    static let expiredWaitingSQL = """
        SELECT \(executionColumns(alias: "e")), j.coalesce
        FROM executions e INDEXED BY executions_waiting JOIN jobs j ON j.id = e.job_id
        WHERE e.status = 'queued' AND e.miss_after IS NOT NULL AND e.miss_after < ?
        ORDER BY e.miss_after
        LIMIT ?
        """

    /// A job's waiting fires older than a new one (coalescing).
    static let olderWaitingSQL = """
        SELECT \(executionColumns) FROM executions INDEXED BY executions_waiting_by_job
        WHERE job_id = ? AND status = 'queued' AND miss_after IS NOT NULL AND scheduled_at < ?
        """

    static let recordMissedSQL = """
        UPDATE executions SET status = 'missed', finished_at = ?, error_reason = ?, error_message = ?
        WHERE id = ? AND status = 'queued'
        """

    /// The most waiting fires one pass records as missed (the rest go in the next pass).
    static let waitingSweepLimit = 5_000

    public func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch {
        let limit = max(limit, 0)
        return try await write { db in
            var batch = FireBatch()
            try self.recordMissed(try self.expiredWaitingFires(now: now, db: db), now: now, into: &batch, db: db)
            guard limit > 0 else { return batch }
            let select = try db.cachedStatement(sql: Self.dueJobsSQL)
            let insert = try db.cachedStatement(sql: Self.insertFireSQL)
            let advance = try db.cachedStatement(sql: "UPDATE jobs SET next_run_at = ? WHERE rowid = ?")
            let advanceMissed = try db.cachedStatement(sql: "UPDATE jobs SET next_run_at = ?, last_run_at = ?, last_status = 'missed' WHERE rowid = ?")
            let rows = try Row.fetchAll(select, arguments: [Micros.from(horizon), limit])
            batch.jobsClaimed = rows.count
            var finished = 0
            var budget: ClaimBudget?
            var localRoom = 0
            if let localClaim, localClaim.limit > 0, !rows.isEmpty, try !self.hasRunnableQueued(now: now, db: db) {
                localRoom = localClaim.limit
                budget = ClaimBudget(running: try Self.runningCounts(db))
            }
            for row in rows {
                let job = try self.decodeJob(row)
                let rowid: Int64 = row[Self.jobColumnCount]
                guard let nextRunAt = job.nextRunAt else { continue }
                let plan = DueJobPlan(job: job, nextRunAt: nextRunAt, now: now, horizon: horizon)
                for execution in plan.missed {
                    try insert.execute(arguments: try Self.executionArguments(execution))
                    if db.changesCount > 0 { batch.missed.append(execution) }
                }
                for run in plan.runs {
                    var execution = run
                    let local = localClaim.flatMap { claim in
                        localRoom > 0 && budget?.admits(jobId: job.id, maxInstances: job.spec.maxInstances) == true ? claim : nil
                    }
                    if let local { execution = run.claimed(by: local.instanceId, leaseUntil: local.leaseUntil) }
                    try insert.execute(arguments: try Self.executionArguments(execution))
                    guard db.changesCount > 0 else { continue }
                    if local != nil {
                        localRoom -= 1
                        budget?.record(jobId: job.id)
                        batch.claimed.append(ClaimedExecution(execution: execution, job: job))
                    } else {
                        if job.spec.coalesce {
                            try self.recordMissed(try self.olderWaitingFires(of: execution, db: db), now: now, into: &batch, db: db)
                        }
                        batch.queued.append(execution)
                    }
                }
                let next = Micros.optional(plan.nextRunAt)
                if next == nil { finished += 1 }
                if let lastMissed = plan.lastMissed {
                    try advanceMissed.execute(arguments: [next, Micros.from(lastMissed), rowid])
                } else {
                    try advance.execute(arguments: [next, rowid])
                }
            }
            // Due jobs are active; those left without a next fire are now finished (job_counts,
            // migration v6: no trigger watches next_run_at, which every fire moves).
            if finished > 0 {
                try db.cachedStatement(
                    sql: "UPDATE job_counts SET jobs = jobs + CASE state WHEN 'finished' THEN ? ELSE -? END WHERE state IN ('active', 'finished')"
                ).execute(arguments: [finished, finished])
            }
            return batch
        }
    }

    /// Whether queued work without a grace deadline (a retry, a manual run) is runnable at
    /// `now`: then new fires go through the queue, behind it (``FireScheduling``).
    func hasRunnableQueued(now: Date, db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT 1 FROM executions INDEXED BY executions_queued_unbounded WHERE status = 'queued' AND miss_after IS NULL AND run_after <= ? LIMIT 1"),
            arguments: [Micros.from(now)]) == true
    }

    private func expiredWaitingFires(now: Date, db: Database) throws -> [WaitingFires.Waiting] {
        try Row.fetchAll(db.cachedStatement(sql: Self.expiredWaitingSQL), arguments: [Micros.from(now), Self.waitingSweepLimit]).map { row in
            WaitingFires.Waiting(execution: try self.decodeExecution(row), coalesce: row[Self.executionColumnCount])
        }
    }

    /// A new waiting fire with the job's older waiting fires, which it supersedes.
    private func olderWaitingFires(of execution: Execution, db: Database) throws -> [WaitingFires.Waiting] {
        let older = try Row.fetchAll(
            db.cachedStatement(sql: Self.olderWaitingSQL), arguments: [execution.jobId, Micros.from(execution.scheduledAt)])
        guard !older.isEmpty else { return [] }
        return try older.map { WaitingFires.Waiting(execution: try self.decodeExecution($0), coalesce: true) }
            + [WaitingFires.Waiting(execution: execution, coalesce: true)]
    }

    /// Records the waiting fires ``WaitingFires`` says are missed.
    private func recordMissed(_ waiting: [WaitingFires.Waiting], now: Date, into batch: inout FireBatch, db: Database) throws {
        guard !waiting.isEmpty else { return }
        let update = try db.cachedStatement(sql: Self.recordMissedSQL)
        for execution in WaitingFires.missed(waiting, now: now) {
            try update.execute(arguments: [Micros.optional(execution.finishedAt), execution.error?.reason, execution.error?.message, execution.id])
            if db.changesCount > 0 { batch.missed.append(execution) }
        }
    }

    /// Running executions per job, for `maxInstances`.
    static func runningCounts(_ db: Database) throws -> [UUID: Int] {
        var running: [UUID: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT job_id, COUNT(*) FROM executions WHERE status = 'running' GROUP BY job_id")) {
            if let jobId = UUID.fromDatabaseValue(row[0]) { running[jobId] = row[1] }
        }
        return running
    }

    public func trigger(jobId: UUID, now: Date) async throws -> Execution {
        try await write { db in
            let execution = try Job.manualExecution(of: try self.fetchJob(id: jobId, db: db), id: jobId, now: now)
            try db.cachedStatement(sql: Self.insertExecutionSQL).execute(arguments: try Self.executionArguments(execution))
            return execution
        }
    }
}

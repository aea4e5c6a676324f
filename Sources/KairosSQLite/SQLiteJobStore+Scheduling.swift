import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    /// Walks the due index in fire order (named: the filter indexes of migration v5 would let
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
        INSERT INTO executions (\(executionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    public func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch {
        let limit = max(limit, 0)
        guard limit > 0 else { return FireBatch() }
        return try await write { db in
            var batch = FireBatch()
            let select = try db.cachedStatement(sql: Self.dueJobsSQL)
            let insert = try db.cachedStatement(sql: Self.insertFireSQL)
            let advance = try db.cachedStatement(sql: "UPDATE jobs SET next_run_at = ? WHERE rowid = ?")
            let advanceMissed = try db.cachedStatement(sql: "UPDATE jobs SET next_run_at = ?, last_run_at = ?, last_status = 'missed' WHERE rowid = ?")
            let rows = try Row.fetchAll(select, arguments: [Micros.from(horizon), limit])
            batch.jobsClaimed = rows.count
            var finished = 0
            var running: [UUID: Int]?
            var localRoom = localClaim?.limit ?? 0
            if localRoom > 0, !rows.isEmpty { running = try Self.runningCounts(db) }
            for row in rows {
                let job = try self.decodeJob(row)
                let rowid: Int64 = row[Self.jobColumnCount]
                guard let nextRunAt = job.nextRunAt else { continue }
                let plan = FirePlan(
                    schedule: job.spec.schedule, jobKey: job.key, nextRunAt: nextRunAt, now: now, horizon: horizon,
                    graceTime: TimeInterval(job.spec.misfireGraceTime), coalesce: job.spec.coalesce)
                for fire in plan.missed {
                    let execution = Execution(
                        id: TimeOrderedID.make(at: now), jobId: job.id, jobKey: job.key, trigger: .scheduled, status: .missed, scheduledAt: fire,
                        runAfter: fire, priority: job.spec.priority, attempt: 1, finishedAt: now, createdAt: now)
                    try insert.execute(arguments: Self.executionArguments(execution))
                    if db.changesCount > 0 { batch.missed.append(execution) }
                }
                for run in plan.runs {
                    var execution = Execution(
                        id: TimeOrderedID.make(at: now), jobId: job.id, jobKey: job.key, trigger: .scheduled, status: .queued,
                        scheduledAt: run.scheduledAt, runAfter: run.runAfter, priority: job.spec.priority, attempt: 1, createdAt: now)
                    let current = running?[job.id, default: 0] ?? 0
                    let local = localClaim.flatMap { claim in localRoom > 0 && current < job.spec.maxInstances ? claim : nil }
                    if let local {
                        execution.status = .running
                        execution.instanceId = local.instanceId
                        execution.leaseExpiresAt = local.leaseUntil
                    }
                    try insert.execute(arguments: Self.executionArguments(execution))
                    guard db.changesCount > 0 else { continue }
                    if local != nil {
                        localRoom -= 1
                        running?[job.id] = current + 1
                        batch.claimed.append(ClaimedExecution(execution: execution, job: job))
                    } else {
                        batch.queued.append(execution)
                    }
                }
                let next = Micros.optional(plan.next)
                if next == nil { finished += 1 }
                if plan.runs.isEmpty, let lastMissed = plan.missed.last {
                    try advanceMissed.execute(arguments: [next, Micros.from(lastMissed), rowid])
                } else {
                    try advance.execute(arguments: [next, rowid])
                }
            }
            // Due jobs are active; those left without a next fire are now finished (job_counts,
            // migration v5: no trigger watches next_run_at, which every fire moves).
            if finished > 0 {
                try db.cachedStatement(
                    sql: "UPDATE job_counts SET jobs = jobs + CASE state WHEN 'finished' THEN ? ELSE -? END WHERE state IN ('active', 'finished')"
                ).execute(arguments: [finished, finished])
            }
            return batch
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
            guard let job = try self.fetchJob(id: jobId, db: db), !job.deleted else {
                throw StoreError(.notFound, "no job with id \(jobId.uuidString)", jobId: jobId)
            }
            guard job.spec.enabled else {
                throw StoreError(.invalidState, "job '\(job.key)' is disabled: enable it before triggering it", jobId: jobId, jobKey: job.key)
            }
            let execution = Execution(
                id: TimeOrderedID.make(at: now), jobId: jobId, jobKey: job.key, trigger: .manual, status: .queued, scheduledAt: now, runAfter: now,
                priority: job.spec.priority, attempt: 1, createdAt: now)
            try db.cachedStatement(sql: Self.insertExecutionSQL).execute(arguments: Self.executionArguments(execution))
            return execution
        }
    }
}

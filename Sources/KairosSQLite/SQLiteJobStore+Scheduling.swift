import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    static let dueJobsSQL = """
        SELECT id, key, schedule, next_run_at, misfire_grace_time, coalesce, priority, version, rowid
        FROM jobs
        WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?
        ORDER BY next_run_at
        LIMIT ?
        """

    /// Inserts a scheduled execution unless its (job, fire) already has one: the exactly-once guarantee.
    static let insertFireSQL = """
        INSERT INTO executions (\(executionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    public func claimDueFires(now: Date, horizon: Date, limit: Int) async throws -> FireBatch {
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
            for row in rows {
                guard let id = UUID.fromDatabaseValue(row[0]) else { continue }
                let key: String = row[1]
                let schedule = try self.schedule(jobId: id, version: row[7], json: row[2])
                let nextRunAt = Micros.date(row[3] as Int64)
                let priority: Int = row[6]
                let rowid: Int64 = row[8]
                let plan = FirePlan(
                    schedule: schedule, jobKey: key, nextRunAt: nextRunAt, now: now, horizon: horizon,
                    graceTime: TimeInterval(row[4] as Int), coalesce: row[5])
                for fire in plan.missed {
                    let execution = Execution(
                        id: TimeOrderedID.make(at: now), jobId: id, jobKey: key, trigger: .scheduled, status: .missed, scheduledAt: fire, runAfter: fire,
                        priority: priority, attempt: 1, finishedAt: now, createdAt: now)
                    try insert.execute(arguments: Self.executionArguments(execution))
                    if db.changesCount > 0 { batch.missed.append(execution) }
                }
                for run in plan.runs {
                    let execution = Execution(
                        id: TimeOrderedID.make(at: now), jobId: id, jobKey: key, trigger: .scheduled, status: .queued, scheduledAt: run.scheduledAt,
                        runAfter: run.runAfter, priority: priority, attempt: 1, createdAt: now)
                    try insert.execute(arguments: Self.executionArguments(execution))
                    if db.changesCount > 0 { batch.queued.append(execution) }
                }
                let next = Micros.optional(plan.next)
                if plan.runs.isEmpty, let lastMissed = plan.missed.last {
                    try advanceMissed.execute(arguments: [next, Micros.from(lastMissed), rowid])
                } else {
                    try advance.execute(arguments: [next, rowid])
                }
            }
            return batch
        }
    }

    /// The job's schedule, from the spec cache when its version is known, else decoded.
    func schedule(jobId: UUID, version: Int, json: String) throws -> Schedule {
        if let cached = specCache.withLock({ cache -> Schedule? in
            guard let entry = cache[jobId], entry.version == version else { return nil }
            return entry.spec.schedule
        }) {
            return cached
        }
        if let cached = scheduleCache.withLock({ cache -> Schedule? in
            guard let entry = cache[jobId], entry.version == version else { return nil }
            return entry.schedule
        }) {
            return cached
        }
        do {
            let schedule = try JSONText.decode(Schedule.self, json)
            scheduleCache.withLock { cache in
                if cache.count >= Self.specCacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[jobId] = (version, schedule)
            }
            return schedule
        } catch {
            throw StoreError(.unavailable, "the SQLite database at '\(path)' holds job \(jobId.uuidString) with a schedule that cannot be read: \(error)", jobId: jobId)
        }
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

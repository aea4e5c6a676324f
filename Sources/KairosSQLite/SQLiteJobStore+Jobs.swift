import Foundation
import GRDB
import KairosCore
import KairosStore

extension SQLiteJobStore {
    public func createJob(_ spec: JobSpec, now: Date) async throws -> Job {
        try await write { db in try self.insertJob(spec, system: false, now: now, db: db) }
    }

    func insertJob(_ spec: JobSpec, system: Bool, now: Date, db: Database) throws -> Job {
        let job = try Job.created(spec, system: system, now: now)
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE key = ? AND deleted = 0"), arguments: [spec.key]) == true {
            throw Job.keyConflict(spec.key)
        }
        try saveJob(job, insert: true, db: db)
        return job
    }

    public func upsertJob(_ spec: JobSpec, system: Bool, now: Date) async throws -> (job: Job, created: Bool) {
        try await write { db in
            try spec.validate()
            guard let existing = try self.liveJob(key: spec.key, db: db) else {
                return (try self.insertJob(spec, system: system, now: now, db: db), true)
            }
            guard let job = try existing.upserted(with: spec, system: system, now: now) else { return (existing, false) }
            try self.saveJob(job, insert: false, db: db)
            try self.unclaimFiresAhead(of: job, now: now, db: db)
            return (job, false)
        }
    }

    public func job(id: UUID) async throws -> Job? {
        try await pointRead { db in try self.fetchJob(id: id, db: db) }
    }

    public func job(key: String) async throws -> Job? {
        try await pointRead { db in try self.liveJob(key: key, db: db) }
    }

    public func lastJob(key: String) async throws -> Job? {
        try await pointRead { db in
            try self.liveJob(key: key, db: db)
                ?? db.fetchFirst(Self.lastDeletedJobByKeySQL, arguments: [key]) { try self.decodeJob($0) }
        }
    }

    /// Through `jobs_deleted_by_key` (migration v10).
    static let lastDeletedJobByKeySQL = "SELECT \(jobColumns) FROM jobs WHERE key = ? AND deleted = 1 ORDER BY updated_at DESC, id DESC LIMIT 1"

    func liveJob(key: String, db: Database) throws -> Job? {
        try db.fetchFirst(Self.liveJobByKeySQL, arguments: [key]) { try decodeJob($0) }
    }

    public func listJobs(_ query: JobQuery) async throws -> Page<Job> {
        let limit = min(max(query.limit, 1), JobQuery.maximumLimit)
        let plan = try JobListPlan(query, limit: limit)
        if query.matchesNothing { return Page(items: [], nextCursor: nil) }
        return try await read { db in
            let narrowing = try plan.choose(db)
            let boundary = try plan.boundary(db, walking: narrowing == nil)
            let (sql, arguments) = plan.statement(narrowing, until: boundary)
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let jobs = try rows.prefix(limit).map { try self.decodeJob($0) }
            var next: String?
            if rows.count > limit, let last = rows.prefix(limit).last, let job = jobs.last {
                next = JobCursor(sort: query.sort, value: .init(last[Self.jobColumnCount]), key: job.key).text
            } else if let boundary {
                // The slice ended before the page was full: continue after it.
                next = JobCursor(sort: query.sort, value: .init(boundary.value), key: boundary.key).text
            }
            return Page(items: jobs, nextCursor: next)
        }
    }

    static func stateCondition(_ state: JobQuery.State) -> String {
        switch state {
        case .active: "(enabled = 1 AND paused = 0 AND next_run_at IS NOT NULL)"
        case .paused: "(enabled = 1 AND paused = 1)"
        case .disabled: "(enabled = 0)"
        case .finished: "(enabled = 1 AND paused = 0 AND next_run_at IS NULL)"
        }
    }

    /// When `job` is no longer runnable (paused, disabled or deleted), forgets its fires claimed
    /// ahead of their time: scheduled after `now`, so not started. The scheduler claims fires up
    /// to its look-ahead early; a job stopped before a fire's time must not run it (and its
    /// history shows no trace of a fire that never came). See ``JobStore``.
    func unclaimFiresAhead(of job: Job, now: Date, db: Database) throws {
        guard !job.isRunnable else { return }
        try db.cachedStatement(
            sql: """
                DELETE FROM executions
                WHERE job_id = ? AND trigger = 'scheduled' AND scheduled_at > ? AND status IN ('queued', 'running') AND started_at IS NULL
                """
        ).execute(arguments: [job.id, Micros.from(now)])
    }

    /// Loads a live job for a change, checking `expectedVersion`.
    func jobForChange(id: UUID, expectedVersion: Int?, db: Database) throws -> Job {
        try Job.forChange(try fetchJob(id: id, db: db), id: id, expectedVersion: expectedVersion)
    }

    public func replaceJob(id: UUID, with spec: JobSpec, expectedVersion: Int?, now: Date) async throws -> Job {
        try await write { db in
            try spec.validate()
            let existing = try self.jobForChange(id: id, expectedVersion: expectedVersion, db: db)
            if spec.key != existing.key,
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE key = ? AND deleted = 0"), arguments: [spec.key]) == true
            {
                throw Job.keyConflict(spec.key, jobId: id)
            }
            let job = try existing.replaced(with: spec, now: now)
            try self.saveJob(job, insert: false, db: db)
            try self.unclaimFiresAhead(of: job, now: now, db: db)
            if job.key != existing.key {
                try db.cachedStatement(sql: "UPDATE executions SET job_key = ? WHERE job_id = ? AND status IN ('queued', 'running')")
                    .execute(arguments: [job.key, id])
            }
            return job
        }
    }

    public func deleteJob(id: UUID, expectedVersion: Int?, now: Date) async throws -> Job {
        try await write { db in
            let job = try self.jobForChange(id: id, expectedVersion: expectedVersion, db: db).deleted(now: now)
            try self.saveJob(job, insert: false, db: db)
            try self.unclaimFiresAhead(of: job, now: now, db: db)
            try db.cachedStatement(
                sql: """
                    UPDATE executions SET status = 'cancelled', error_reason = ?, error_message = ?, finished_at = ?
                    WHERE job_id = ? AND status = 'queued'
                    """
            ).execute(arguments: [ExecutionError.cancelled, job.deletionMessage, Micros.from(now), id])
            return job
        }
    }

    public func setPaused(id: UUID, _ paused: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try await changeSwitch(id: id, expectedVersion: expectedVersion, now: now, \.paused, to: paused)
    }

    public func setEnabled(id: UUID, _ enabled: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try await changeSwitch(id: id, expectedVersion: expectedVersion, now: now, \.enabled, to: enabled)
    }

    /// Flips one of the job's switches (``Job/switched(_:to:now:)``).
    private func changeSwitch(
        id: UUID, expectedVersion: Int?, now: Date, _ keyPath: WritableKeyPath<JobSpec, Bool> & Sendable, to value: Bool
    ) async throws -> Job {
        try await write { db in
            let job = try self.jobForChange(id: id, expectedVersion: expectedVersion, db: db)
            guard let changed = job.switched(keyPath, to: value, now: now) else { return job }
            try self.saveJob(changed, insert: false, db: db)
            try self.unclaimFiresAhead(of: changed, now: now, db: db)
            return changed
        }
    }

    public func earliestNextRun() async throws -> Date? {
        try await read { db in
            let micros = try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT next_run_at FROM jobs INDEXED BY jobs_due_by_key
                        WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL ORDER BY next_run_at LIMIT 1
                        """))
            return Micros.date(micros)
        }
    }

    public func upcomingJobs(limit: Int) async throws -> [Job] {
        let sql = """
            SELECT \(Self.jobColumns) FROM jobs INDEXED BY jobs_due_by_key
            WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL
            ORDER BY next_run_at, key LIMIT ?
            """
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: [max(0, limit)]).map { try self.decodeJob($0) }
        }
    }

    /// Read from `job_counts`, which triggers keep in the transaction of every write to `jobs`
    /// (migration v6): exact, never stale.
    public func jobCounts() async throws -> [JobQuery.State: Int] {
        try await read { db in
            var counts: [JobQuery.State: Int] = [:]
            for state in JobQuery.State.allCases { counts[state] = 0 }
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT state, jobs FROM job_counts")) {
                if let state = JobQuery.State(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }
}

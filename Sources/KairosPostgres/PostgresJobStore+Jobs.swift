import Foundation
import KairosCore
import KairosStore
import PostgresNIO

extension PostgresJobStore {
    public func createJob(_ spec: JobSpec, now: Date) async throws -> Job {
        try await write { session in try await self.insertJob(spec, system: false, now: now, session: session) }
    }

    func insertJob(_ spec: JobSpec, system: Bool, now: Date, session: Session) async throws -> Job {
        let job = try Job.created(spec, system: system, now: now)
        if try await !session.rows("SELECT 1 FROM jobs WHERE key = $1 AND NOT deleted", [Bind(spec.key)]).isEmpty {
            throw Job.keyConflict(spec.key)
        }
        try await saveJob(job, insert: true, session: session)
        return job
    }

    /// Serializes the writers of one key until commit (`pg_advisory_xact_lock`): two upserts of
    /// the same key in two processes then create it once, the second one seeing the first.
    func lockKey(_ key: String, session: Session) async throws {
        try await session.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [Bind(key)])
    }

    public func upsertJob(_ spec: JobSpec, system: Bool, now: Date) async throws -> (job: Job, created: Bool) {
        try spec.validate()
        let result = try await write { session -> UpsertResult in
            try await self.lockKey(spec.key, session: session)
            guard let existing = try await self.liveJob(key: spec.key, session: session) else {
                return UpsertResult(job: try await self.insertJob(spec, system: system, now: now, session: session), created: true)
            }
            guard let job = try existing.upserted(with: spec, system: system, now: now) else { return UpsertResult(job: existing, created: false) }
            try await self.saveJob(job, insert: false, session: session)
            try await self.unclaimFiresAhead(of: job, now: now, session: session)
            return UpsertResult(job: job, created: false)
        }
        return (result.job, result.created)
    }

    public func job(id: UUID) async throws -> Job? {
        try await read { session in try await self.fetchJob(id: id, session: session) }
    }

    public func job(key: String) async throws -> Job? {
        try await read { session in try await self.liveJob(key: key, session: session) }
    }

    public func lastJob(key: String) async throws -> Job? {
        try await read { session in
            if let live = try await self.liveJob(key: key, session: session) { return live }
            return try await session.rows(
                "SELECT \(Self.jobColumns) FROM \(Self.jobSource) WHERE j.key = $1 AND j.deleted ORDER BY j.updated_at DESC, j.id DESC LIMIT 1", [Bind(key)]
            ).first.map { try self.decodeJob($0) }
        }
    }

    func liveJob(key: String, session: Session) async throws -> Job? {
        try await session.rows("SELECT \(Self.jobColumns) FROM \(Self.jobSource) WHERE j.key = $1 AND NOT j.deleted", [Bind(key)]).first.map { try decodeJob($0) }
    }

    /// Jobs the scheduler fires, as the partial index `job_runs_due` says (the claims,
    /// `earliestNextRun`, `upcomingJobs`).
    static let dueCondition = "r.enabled AND NOT r.paused AND NOT r.deleted AND r.next_run_at IS NOT NULL"

    /// Jobs in `state`, their switches read from `table` (`j` or `r`, which holds copies): the
    /// table whose index the list walks, so that a paused or disabled job is told without a join.
    static func stateCondition(_ state: JobQuery.State, switchesOf table: String) -> String {
        switch state {
        case .active: "(\(table).enabled AND NOT \(table).paused AND r.next_run_at IS NOT NULL)"
        case .paused: "(\(table).enabled AND \(table).paused)"
        case .disabled: "(NOT \(table).enabled)"
        case .finished: "(\(table).enabled AND NOT \(table).paused AND r.next_run_at IS NULL)"
        }
    }

    /// When `job` is no longer runnable, forgets its fires claimed ahead of their time (see
    /// ``JobRepository/replaceJob(id:with:expectedVersion:now:)``, ``Job/losesFireAhead(_:now:)``)
    /// and tells the other instances' workers, which may hold some (``StoreChange/jobStopped(_:at:)``).
    func unclaimFiresAhead(of job: Job, now: Date, session: Session) async throws {
        guard !job.isRunnable else { return }
        let removed = try await session.rows(
            """
            DELETE FROM executions
            WHERE job_id = $1 AND trigger = 'scheduled' AND scheduled_at > $2 AND status IN ('queued', 'running') AND started_at IS NULL
            RETURNING status
            """, [Bind(job.id), Bind(Micros.from(now))])
        if try removed.contains(where: { try $0[0].decode(String.self) == "running" }) {
            try await session.notify(.jobStopped(job.id, at: now))
        }
    }

    /// Loads a live job for a change, locking both its rows (a scheduling pass holding the
    /// `job_runs` row is waited for), and checks `expectedVersion`.
    func jobForChange(id: UUID, expectedVersion: Int?, session: Session) async throws -> Job {
        let stored = try await session.rows("SELECT \(Self.jobColumns) FROM \(Self.jobSource) WHERE j.id = $1 FOR UPDATE", [Bind(id)]).first.map {
            try decodeJob($0)
        }
        return try Job.forChange(stored, id: id, expectedVersion: expectedVersion)
    }

    public func replaceJob(id: UUID, with spec: JobSpec, expectedVersion: Int?, now: Date) async throws -> Job {
        try spec.validate()
        return try await write { session in
            let existing = try await self.jobForChange(id: id, expectedVersion: expectedVersion, session: session)
            if spec.key != existing.key {
                try await self.lockKey(spec.key, session: session)
                if try await !session.rows("SELECT 1 FROM jobs WHERE key = $1 AND NOT deleted", [Bind(spec.key)]).isEmpty {
                    throw Job.keyConflict(spec.key, jobId: id)
                }
            }
            let job = try existing.replaced(with: spec, now: now)
            try await self.saveJob(job, insert: false, session: session)
            try await self.unclaimFiresAhead(of: job, now: now, session: session)
            if job.key != existing.key {
                try await session.execute(
                    "UPDATE executions SET job_key = $1 WHERE job_id = $2 AND status IN ('queued', 'running')", [Bind(job.key), Bind(id)])
            }
            return job
        }
    }

    public func deleteJob(id: UUID, expectedVersion: Int?, now: Date) async throws -> Job {
        try await write { session in
            let job = try await self.jobForChange(id: id, expectedVersion: expectedVersion, session: session).deleted(now: now)
            try await self.saveJob(job, insert: false, session: session)
            try await self.unclaimFiresAhead(of: job, now: now, session: session)
            try await session.execute(
                """
                UPDATE executions SET status = 'cancelled', error_reason = $1, error_message = $2, finished_at = $3
                WHERE job_id = $4 AND status = 'queued'
                """, [Bind(ExecutionError.cancelled), Bind(job.deletionMessage), Bind(Micros.from(now)), Bind(id)])
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
        try await write { session in
            let job = try await self.jobForChange(id: id, expectedVersion: expectedVersion, session: session)
            guard let changed = job.switched(keyPath, to: value, now: now) else { return job }
            try await self.saveJob(changed, insert: false, session: session)
            try await self.unclaimFiresAhead(of: changed, now: now, session: session)
            return changed
        }
    }

    public func earliestNextRun() async throws -> Date? {
        try await read { session in
            let rows = try await session.rows(
                "SELECT r.next_run_at FROM job_runs r WHERE \(Self.dueCondition) ORDER BY r.next_run_at LIMIT 1")
            return try rows.first.map { Micros.date(try $0[0].decode(Int64.self)) }
        }
    }

    public func upcomingJobs(limit: Int) async throws -> [Job] {
        try await read { session in
            try await session.rows(
                """
                SELECT \(Self.jobColumns) FROM \(Self.jobSource)
                WHERE \(Self.dueCondition)
                ORDER BY r.next_run_at, r.job_key LIMIT $1
                """, [Bind(max(0, limit))]
            ).map { try self.decodeJob($0) }
        }
    }

    /// Read from `job_counts`, which triggers on `job_runs` and `claimDueFires` keep in the
    /// transaction of every write: exact, never stale.
    public func jobCounts() async throws -> [JobQuery.State: Int] {
        try await read { session in
            var counts: [JobQuery.State: Int] = [:]
            for state in JobQuery.State.allCases { counts[state] = 0 }
            for row in try await session.rows("SELECT state, jobs FROM job_counts") {
                if let state = JobQuery.State(rawValue: try row[0].decode(String.self)) { counts[state] = try row[1].decode(Int.self) }
            }
            return counts
        }
    }
}

/// An upsert's outcome, carried out of its transaction.
struct UpsertResult: Sendable {
    var job: Job
    var created: Bool
}

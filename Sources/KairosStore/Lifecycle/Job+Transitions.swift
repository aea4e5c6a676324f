import Foundation
import KairosCore

/// What each change to a job means, decided once for every driver: a driver loads the job,
/// asks one of these for the new value and stores it (River's rule: a second driver adds
/// SQL, never a decision).
extension Job {
    /// A new job for `spec` saved at `now`: validated, its interval anchored at `now` (unless it
    /// has a start date) and its first fire computed. Its id is `id`, or a new time-ordered one
    /// (jobs created together sit together in the id index).
    ///
    /// ```swift
    /// let job = try Job.created(spec, system: false, now: now)
    /// // INSERT job …
    /// ```
    public static func created(_ spec: JobSpec, system: Bool, now: Date, id: UUID? = nil) throws -> Job {
        try spec.validate()
        try spec.checkWillFire(now: now)
        var spec = spec
        spec.schedule = spec.schedule.anchored(at: now)
        return Job(
            id: id ?? RandomID.timeOrdered(at: now), spec: spec, nextRunAt: Self.storedNextFire(spec.firstFire(now: now), of: spec),
            createdAt: now, updatedAt: now, version: 1, system: system)
    }

    /// The next fire to store for a job with `spec`: none for a recurring job that is not
    /// runnable (paused, disabled), so that it shows none and sorts with the jobs that have none;
    /// resume and enable compute it from then (no backfill). A one-shot keeps its time: whether
    /// it is still there tells resume if the one-shot has fired (``Schedule/resumedNextFire``).
    static func storedNextFire(_ fire: Date?, of spec: JobSpec) -> Date? {
        if spec.enabled && !spec.paused { return fire }
        if case .date = spec.schedule { return fire }
        return nil
    }

    /// This job with its spec replaced at `now`: version bumped; the next fire recomputed from
    /// `now` when the schedule changed, or when the job becomes runnable again (resume, enable:
    /// no backfill). An interval re-sent without its creation-time anchor keeps the anchor. A
    /// changed schedule must fire at all (``JobSpec/checkWillFire(now:)``); an unchanged one is
    /// not checked again (a jobs file may keep a one-shot that ran long ago).
    public func replaced(with spec: JobSpec, now: Date) throws(ValidationError) -> Job {
        if Schedule.normalized(spec.schedule, existing: self.spec.schedule, now: now) != self.spec.schedule {
            try spec.checkWillFire(now: now)
        }
        return applying(spec, now: now)
    }

    private func applying(_ spec: JobSpec, now: Date) -> Job {
        var job = self
        var spec = spec
        spec.schedule = Schedule.normalized(spec.schedule, existing: self.spec.schedule, now: now)
        if spec.schedule != self.spec.schedule {
            job.nextRunAt = spec.firstFire(now: now)
        } else if spec.enabled && !spec.paused && !(self.spec.enabled && !self.spec.paused) {
            job.nextRunAt = Schedule.resumedNextFire(spec.schedule, current: nextRunAt, now: now)
        }
        job.nextRunAt = Self.storedNextFire(job.nextRunAt, of: spec)
        job.spec = spec
        job.version += 1
        job.updatedAt = now
        return job
    }

    /// What an upsert by key (jobs files, system jobs) makes of this job, or `nil` when `spec`
    /// and `system` say what is stored already (no write, no version bump).
    public func upserted(with spec: JobSpec, system: Bool, now: Date) throws(ValidationError) -> Job? {
        var normalized = spec
        normalized.schedule = Schedule.normalized(spec.schedule, existing: self.spec.schedule, now: now)
        if normalized == self.spec && self.system == system { return nil }
        var job = try replaced(with: spec, now: now)
        job.system = system
        return job
    }

    /// This job soft-deleted at `now`.
    public func deleted(now: Date) -> Job {
        var job = self
        job.deleted = true
        job.version += 1
        job.updatedAt = now
        return job
    }

    /// This job with one switch (`paused`, `enabled`) set, or `nil` when it already has that
    /// value (no write, no version bump).
    public func switched(_ keyPath: WritableKeyPath<JobSpec, Bool>, to value: Bool, now: Date) -> Job? {
        guard spec[keyPath: keyPath] != value else { return nil }
        var spec = spec
        spec[keyPath: keyPath] = value
        return applying(spec, now: now)
    }

    /// Checks that this stored job may be changed: it is live and, when `expectedVersion` is
    /// given, at that version. `nil` (no such job) and deleted jobs are `notFound`.
    public static func forChange(_ job: Job?, id: UUID, expectedVersion: Int?) throws -> Job {
        guard let job, !job.deleted else { throw StoreError(.notFound, "no job with id \(id.uuidString)", jobId: id) }
        if let expectedVersion, expectedVersion != job.version {
            throw StoreError(
                .versionMismatch, "job '\(job.key)' is at version \(job.version), not \(expectedVersion)", jobId: id, jobKey: job.key)
        }
        return job
    }

    /// The error for a key another live job holds.
    public static func keyConflict(_ key: String, jobId: UUID? = nil) -> StoreError {
        StoreError(.keyConflict, "a job with key '\(key)' already exists", jobId: jobId, jobKey: key)
    }

    /// A manual run of this job queued at `now`. A deleted job is `notFound`, a disabled one
    /// `invalidState` (a paused job may be triggered).
    public static func manualExecution(of job: Job?, id: UUID, now: Date) throws -> Execution {
        guard let job, !job.deleted else { throw StoreError(.notFound, "no job with id \(id.uuidString)", jobId: id) }
        guard job.spec.enabled else {
            throw StoreError(.invalidState, "job '\(job.key)' is disabled: enable it before triggering it", jobId: id, jobKey: job.key)
        }
        return Execution(
            id: ExecutionID.make(at: now), jobId: id, jobKey: job.key, trigger: .manual, status: .queued, scheduledAt: now, runAfter: now,
            priority: job.spec.priority, attempt: 1, createdAt: now)
    }

    /// Whether a scheduled execution of this job is one claimed ahead of its time that a change
    /// to a job no longer runnable removes (see ``JobRepository/replaceJob(id:with:expectedVersion:now:)``):
    /// scheduled after `now` and not started.
    public func losesFireAhead(_ execution: Execution, now: Date) -> Bool {
        !isRunnable && execution.jobId == id && execution.trigger == .scheduled && execution.scheduledAt > now
            && (execution.status == .queued || execution.status == .running) && execution.startedAt == nil
    }

    /// The message of the queued executions a deletion cancels.
    public var deletionMessage: String { "the job '\(key)' was deleted" }
}

extension Schedule {
    /// The schedule to store for a new spec of an existing job: the stored one when only the
    /// (creation-time) interval anchor differs, else the new one anchored at `now`.
    public static func normalized(_ schedule: Schedule, existing: Schedule, now: Date) -> Schedule {
        if schedule == existing { return existing }
        if case .interval(let new) = schedule, new.startDate == nil, case .interval(let old) = existing, let anchor = old.startDate,
            schedule.anchored(at: anchor) == existing
        {
            return existing
        }
        return schedule.anchored(at: now)
    }

    /// The next fire when a job resumes at `now`: no backfill. A one-shot that has not fired
    /// keeps its time (the misfire rules then run it or record it missed).
    public static func resumedNextFire(_ schedule: Schedule, current: Date?, now: Date) -> Date? {
        if case .date(let date) = schedule { return current == nil ? nil : date.runAt }
        return schedule.nextFire(after: now)
    }
}

import Foundation
import KairosCore

/// Job definitions: create, read, list, change. Every change increments `version`;
/// passing `expectedVersion` makes it conditional (optimistic concurrency). The scheduler's
/// own state (`nextRunAt`, `lastRunAt`, `lastStatus`) changes without a version bump.
public protocol JobRepository: Sendable {
    /// Saves a new job; its first fire is computed from the schedule at `now` (intervals are
    /// anchored at `now` unless they have a start date). Throws `keyConflict`.
    func createJob(_ spec: JobSpec, now: Date) async throws -> Job
    /// Saves new jobs in one transaction, each exactly as ``createJob(_:now:)`` would, all or
    /// none: a key already taken or given twice, or an invalid spec, stores nothing. For loads
    /// that a transaction per job would slow down (`kairos bench seed`, imports).
    func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job]
    /// Creates the job, or replaces the one with the same key when its spec differs (used for
    /// jobs files and system jobs). The next fire is kept when the schedule is unchanged.
    func upsertJob(_ spec: JobSpec, system: Bool, now: Date) async throws -> (job: Job, created: Bool)
    /// The job with that id, including a soft-deleted one (then `deleted` is `true`), so that
    /// history can still name it; `nil` if no job ever had that id.
    func job(id: UUID) async throws -> Job?
    /// The live job with that key; `nil` when none exists or it is deleted (a deleted job's key
    /// can be reused by a new job).
    func job(key: String) async throws -> Job?
    /// The live job with that key or, when there is none, the one deleted last: whose history a
    /// key names (a deleted job's history stays readable). `nil` when no job ever had the key.
    func lastJob(key: String) async throws -> Job?
    /// Live (not deleted) jobs, filtered and ordered as `query` says (by key by default).
    /// `limit` is clamped to `1...JobQuery.maximumLimit`; a cursor not produced by this method
    /// for the same order throws `invalidCursor`.
    func listJobs(_ query: JobQuery) async throws -> Page<Job>
    /// Replaces the spec. A changed schedule recomputes the next fire from `now`.
    ///
    /// Every change that leaves a job not runnable (``Job/isRunnable``: paused, disabled,
    /// deleted) also removes, in the same transaction, its scheduled executions claimed ahead of
    /// their time (scheduled after `now`, not started): a fire whose time had not come when the
    /// job was stopped never happens. Manual triggers and fires already due are kept.
    func replaceJob(id: UUID, with spec: JobSpec, expectedVersion: Int?, now: Date) async throws -> Job
    /// Soft delete: the job leaves lists and is never fired; its history stays. Queued
    /// executions of it are cancelled.
    func deleteJob(id: UUID, expectedVersion: Int?, now: Date) async throws -> Job
    /// Pausing stops scheduled fires; resuming recomputes the next fire from `now` (no backfill).
    func setPaused(id: UUID, _ paused: Bool, expectedVersion: Int?, now: Date) async throws -> Job
    /// Disabling stops fires and manual triggers; enabling recomputes the next fire from `now`.
    func setEnabled(id: UUID, _ enabled: Bool, expectedVersion: Int?, now: Date) async throws -> Job
    /// The earliest `nextRunAt` among jobs the scheduler fires, or `nil` if none.
    func earliestNextRun() async throws -> Date?
    /// The scheduled jobs that fire next, soonest first (ties by key): `/scheduler/status`.
    func upcomingJobs(limit: Int) async throws -> [Job]
    /// Counts of jobs by state (active, paused, disabled, finished), for metrics and status.
    func jobCounts() async throws -> [JobQuery.State: Int]
}

/// Fires the scheduling instance takes for its own workers in the same transaction: they are
/// inserted `running`, leased to `instanceId`, instead of `queued` (then claimed in a second
/// transaction). Saves a write per fire when one process schedules and runs.
public struct LocalClaim: Sendable, Hashable {
    public var instanceId: String
    public var leaseUntil: Date
    /// At most this many fires are taken; `maxInstances` is respected as in `claimExecutions`.
    public var limit: Int
    /// Executions of this instance whose attempt returned and whose outcome is not written yet
    /// (execution id to job id): they still hold their jobs' slots in the store but run no
    /// more, so a driver may take another slot for the job's next fire (numbered past the ones
    /// held, so that other instances still find the job full until the outcome frees the old
    /// one). Without it, a 1-second job's next fire waits for the previous outcome's write, or
    /// goes through the queue (docs/POSTGRES.md, "Scheduling").
    public var finishing: [UUID: UUID]

    public init(instanceId: String, leaseUntil: Date, limit: Int, finishing: [UUID: UUID] = [:]) {
        self.instanceId = instanceId
        self.leaseUntil = leaseUntil
        self.limit = limit
        self.finishing = finishing
    }
}

/// What one scheduling pass did.
public struct FireBatch: Sendable, Hashable {
    /// Queued executions created, each with its job's key.
    public var queued: [Execution]
    /// Executions created already running for the ``LocalClaim``'s instance.
    public var claimed: [ClaimedExecution]
    /// Fires recorded as `missed`.
    public var missed: [Execution]
    /// How many due jobs were claimed (a full batch means more may be due).
    public var jobsClaimed: Int

    public init(queued: [Execution] = [], claimed: [ClaimedExecution] = [], missed: [Execution] = [], jobsClaimed: Int = 0) {
        self.queued = queued
        self.claimed = claimed
        self.missed = missed
        self.jobsClaimed = jobsClaimed
    }
}

/// The scheduler's side: turn due fires into executions, exactly once per (job, fire).
public protocol FireScheduling: Sendable {
    /// In one transaction: records `missed` the scheduled fires still waiting in the queue
    /// that ``WaitingFires`` says are too late (past their grace, or coalesced); claims up to
    /// `limit` scheduled jobs whose `nextRunAt <= horizon`, applies ``DueJobPlan`` at `now`
    /// (misfire, coalesce, look-ahead to `horizon`), inserts the executions (`queued` or
    /// `missed`) and advances each job's `nextRunAt`. A fire that already has an execution is
    /// skipped (unique job and scheduled time). With `localClaim`, up to its limit of the new
    /// runs are inserted running for that instance (``ClaimBudget``: `maxInstances` holds),
    /// unless queued work without a grace deadline (a retry, a manual run) is runnable at
    /// `now`: it must not be starved by a stream of local claims, so new fires then go through
    /// the queue, in priority order. Waiting scheduled fires do not stop local claims: their
    /// grace bounds how long they wait, and under overload taking new fires for the local
    /// workers in the scheduler's own write (one write per fire instead of two) is what
    /// throughput depends on (docs/PERFORMANCE.md, past capacity). With `localClaim`, a driver
    /// may also leave a job whose every slot is held until its fire is due rather than plan it
    /// ahead within the look-ahead (PostgreSQL does: its previous run is usually about to be
    /// written, and then the next fire is taken locally instead of queued; docs/POSTGRES.md).
    func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch
    /// Queues a manual run of the job now. Throws `invalidState` for a disabled job.
    func trigger(jobId: UUID, now: Date) async throws -> Execution
}

extension InstanceRegistry {
    /// Reaps every expired lease, whichever instance holds it.
    public func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int) async throws -> [Execution] {
        try await reapExpiredLeases(now: now, deadAfter: deadAfter, limit: limit, sparing: nil)
    }
}

extension ExecutionQueue {
    /// The earliest `runAfter` among all queued executions.
    public func earliestQueued() async throws -> Date? {
        try await earliestQueued(after: .distantPast)
    }
}

extension FireScheduling {
    /// Schedules due fires without taking any for this instance.
    public func claimDueFires(now: Date, horizon: Date, limit: Int) async throws -> FireBatch {
        try await claimDueFires(now: now, horizon: horizon, limit: limit, localClaim: nil)
    }
}

/// A claimed execution with the job definition it runs.
public struct ClaimedExecution: Sendable, Hashable {
    public var execution: Execution
    public var job: Job

    public init(execution: Execution, job: Job) {
        self.execution = execution
        self.job = job
    }
}

/// How an attempt ended, reported by the worker.
public struct Completion: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case succeeded(result: String?)
        /// Failed; `retryAt` re-queues the execution for another attempt, `nil` fails it for good.
        case failed(ExecutionError, result: String?, retryAt: Date?)
        /// Not run to its end because this instance stops: re-queued at `runAfter` without
        /// counting as an attempt.
        case released(runAfter: Date)
    }

    public var executionId: UUID
    public var instanceId: String
    public var attempt: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: Outcome

    public init(executionId: UUID, instanceId: String, attempt: Int, startedAt: Date, finishedAt: Date, outcome: Outcome) {
        self.executionId = executionId
        self.instanceId = instanceId
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
    }
}

/// The workers' side: claim runnable executions, hold leases, record outcomes.
public protocol ExecutionQueue: Sendable {
    /// Marks up to `limit` queued executions with `runAfter <= horizon` as running for
    /// `instanceId`, highest priority first, then earliest `runAfter`, never exceeding a job's
    /// `maxInstances` running at once (``ClaimBudget``) and never a waiting fire past its
    /// ``Execution/missAfter`` at `now`. Each gets a lease until `leaseUntil`.
    func claimExecutions(instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedExecution]
    /// Records the starts of attempts (``Execution/started(_:)``); a start for an attempt this
    /// instance no longer holds is ignored.
    func recordStarts(_ starts: [AttemptStart]) async throws
    /// The earliest `runAfter` after `after` among queued executions, or `nil` if none is
    /// queued then. (A worker pool that just claimed everything runnable up to `after` sleeps
    /// until the next one; what it could not take — its job at `maxInstances` — is not a reason
    /// to poll.)
    func earliestQueued(after: Date) async throws -> Date?
    /// Records outcomes. An outcome for an execution this instance no longer holds (reaped,
    /// cancelled) is ignored; the ids of those are returned.
    @discardableResult
    func complete(_ completions: [Completion], now: Date) async throws -> [UUID]
    /// Cancels a queued or running execution (a running attempt learns it at its next lease renewal).
    func cancel(executionId: UUID, now: Date) async throws -> Execution
    /// How many executions are queued and runnable at `now`.
    func queueDepth(now: Date) async throws -> Int
}

/// Instances, heartbeats, leases and reaping.
public protocol InstanceRegistry: Sendable {
    func registerInstance(_ instance: InstanceInfo) async throws
    /// Records a heartbeat and extends the leases of every execution this instance runs.
    /// Returns the ids of executions it runs that were cancelled meanwhile.
    func heartbeat(instanceId: String, now: Date, leaseUntil: Date) async throws -> [UUID]
    func markInstanceStopped(instanceId: String, now: Date) async throws
    func listInstances() async throws -> [InstanceInfo]
    /// Fails the attempts whose lease expired before `now` (reason `worker lost`) and re-queues
    /// those whose job allows another retry. Instances silent for longer than `deadAfter` are
    /// marked stopped. The attempts of `sparing` (the reaper's own instance, which is alive and
    /// runs them) are left alone: under load a claim can commit a lease computed before the
    /// reaper's last renewal, and an instance must not reap work it is still running.
    func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int, sparing: String?) async throws -> [Execution]
    /// Marks every other instance still recorded running as stopped and expires its leases at
    /// `now`, so that the next reap releases or fails its attempts at once instead of after a
    /// lease period. Only for a process that knows it is the store's only user
    /// (``isExclusive``). Returns the ids of the instances it stopped.
    func recoverInstances(otherThan instanceId: String, now: Date) async throws -> [String]
    /// Whether this handle is the only process using the store (an SQLite database opened to
    /// serve holds a lock no second process gets): every other instance recorded running is
    /// then dead, and ``recoverInstances(otherThan:now:)`` is safe at start.
    var isExclusive: Bool { get }
}

/// Execution history and retention.
public protocol ExecutionHistory: Sendable {
    func execution(id: UUID) async throws -> Execution?
    /// Newest first by (`scheduledAt`, `id`). `limit` is clamped to `1...500`; a cursor not
    /// produced by this method throws `invalidCursor`.
    func history(_ query: HistoryQuery) async throws -> Page<Execution>
    /// The statuses of each job's newest `query.limit` executions, newest first by
    /// (`scheduledAt`, `id`) as ``history(_:)`` orders them, read at once for a page of jobs
    /// (the dashboard's sparklines). A job without executions (or unknown) is absent.
    func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]]
    /// Deletes up to `limit` finished executions that finished before `cutoff`, oldest first.
    /// Returns how many were deleted; call again while it returns `limit`.
    func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int
    /// Counts of executions by status.
    func executionCounts() async throws -> [ExecutionStatus: Int]
}

/// Everything the engine and the API need from a database. One conformance suite
/// (`KairosStoreConformance`) checks every driver.
///
/// ```swift
/// let store = try SQLiteJobStore(path: "kairos.db")   // migrates at open
/// let job = try await store.createJob(spec, now: .now)
/// ```
public protocol JobStore: JobRepository, FireScheduling, ExecutionQueue, InstanceRegistry, ExecutionHistory, APIKeyStore, WebSessionStore {
    /// The schema migrations applied, oldest first.
    func appliedMigrations() async throws -> [String]
    /// Applies the migrations not applied yet (safe when several processes start together);
    /// returns those this handle applied, including at open. A schema newer than this binary
    /// knows throws `unavailable`.
    func migrate() async throws -> [String]
}

import Foundation
import KairosCore

/// What one scheduling pass writes for one due job (``FireScheduling/claimDueFires(now:horizon:limit:localClaim:)``):
/// the executions of its fires — `missed` ones and runs, queued — and where the job goes
/// next. Built on ``FirePlan`` (misfire, coalesce, look-ahead); a driver inserts the
/// executions (skipping a fire that already has one) and stores the job's new state.
public struct DueJobPlan: Sendable, Hashable {
    /// Fires recorded `missed` (too late to run).
    public var missed: [Execution]
    /// Fires to run, queued; ``Execution/claimed(by:leaseUntil:)`` takes one for a local worker.
    public var runs: [Execution]
    /// The job's new `nextRunAt`.
    public var nextRunAt: Date?
    /// When the pass only recorded misses: the job's `lastRunAt` becomes this fire and its
    /// `lastStatus` `missed`.
    public var lastMissed: Date?

    public init(job: Job, nextRunAt: Date, now: Date, horizon: Date) {
        let plan = FirePlan(
            schedule: job.spec.schedule, jobKey: job.key, nextRunAt: nextRunAt, now: now, horizon: horizon,
            graceTime: TimeInterval(job.spec.misfireGraceTime), coalesce: job.spec.coalesce)
        missed = plan.missed.map { fire in
            Execution(
                id: ExecutionID.make(at: now), jobId: job.id, jobKey: job.key, trigger: .scheduled, status: .missed, scheduledAt: fire,
                runAfter: fire, priority: job.spec.priority, attempt: 1, finishedAt: now, createdAt: now)
        }
        let grace = TimeInterval(job.spec.misfireGraceTime)
        runs = plan.runs.map { run in
            Execution(
                id: ExecutionID.make(at: now), jobId: job.id, jobKey: job.key, trigger: .scheduled, status: .queued,
                scheduledAt: run.scheduledAt, runAfter: run.runAfter, priority: job.spec.priority, attempt: 1,
                missAfter: run.runAfter.addingTimeInterval(grace), createdAt: now)
        }
        self.nextRunAt = plan.next
        lastMissed = plan.runs.isEmpty ? plan.missed.last : nil
    }
}

/// Which claims fit a job's `maxInstances`: counts the executions running per job as a claim
/// (of queued work, or of new fires for a local worker) admits more.
public struct ClaimBudget: Sendable {
    private var running: [UUID: Int]

    /// `running`: the executions running per job when the claim starts.
    public init(running: [UUID: Int]) {
        self.running = running
    }

    /// Whether one more execution of the job may run.
    public func admits(jobId: UUID, maxInstances: Int) -> Bool {
        running[jobId, default: 0] < maxInstances
    }

    /// Adds the running counts of jobs this budget did not count yet (a driver that reads the
    /// queue in pages counts the jobs of each page as it reaches them); a job already counted
    /// keeps its count.
    public mutating func include(running more: [UUID: Int]) {
        running.merge(more) { counted, _ in counted }
    }

    /// Counts one more running execution of the job (after its claim was written).
    public mutating func record(jobId: UUID) {
        running[jobId, default: 0] += 1
    }
}

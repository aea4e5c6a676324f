import Foundation

/// The scheduler's decision for one due job: the misfire plan at `now`, extended with the
/// fires that fall in the look-ahead window `now ... horizon` so that a burst on a minute
/// boundary is queued before it is due and starts on time.
///
/// A job that is late already (a run is due at `now`) gets no look-ahead fires: its next fire
/// is planned by the next pass. Planned now, it would wait behind the late run (`maxInstances`)
/// and, under overload, be superseded by the next coalesced run and recorded `missed` — three
/// writes for nothing (docs/PERFORMANCE.md, past capacity).
///
/// ```swift
/// let plan = FirePlan(job: job, now: now, horizon: now + 0.5)
/// // in one transaction: insert plan.runs (queued, runAfter = the jittered fire time),
/// // plan.missed (missed), and set the job's nextRunAt to plan.next.
/// ```
public struct FirePlan: Sendable, Hashable {
    public struct Run: Sendable, Hashable {
        /// The nominal fire: the execution's identity.
        public var scheduledAt: Date
        /// The nominal fire plus the job's deterministic jitter.
        public var runAfter: Date
    }

    public var runs: [Run]
    public var missed: [Date]
    public var missedTruncated: Bool
    public var coalesced: Int
    public var next: Date?

    /// The most look-ahead fires planned per job in one pass (a 1-second interval with a
    /// long look-ahead would otherwise plan many).
    public static let maximumAhead = 100

    public init(schedule: Schedule, jobKey: String, nextRunAt: Date, now: Date, horizon: Date, graceTime: TimeInterval, coalesce: Bool) {
        let misfire = MisfirePlan(schedule: schedule, firstDue: nextRunAt, now: now, graceTime: graceTime, coalesce: coalesce)
        var runs = misfire.runs
        var next = misfire.next
        while misfire.runs.isEmpty, let fire = next, fire <= horizon, runs.count < Self.maximumAhead {
            runs.append(fire)
            next = schedule.nextFire(after: fire)
        }
        self.runs = runs.map { Run(scheduledAt: $0, runAfter: schedule.fireTime(nominal: $0, jobKey: jobKey)) }
        self.missed = misfire.missed
        self.missedTruncated = misfire.missedTruncated
        self.coalesced = misfire.coalesced
        self.next = next
    }

    public init(job: Job, now: Date, horizon: Date) {
        self.init(
            schedule: job.spec.schedule, jobKey: job.key, nextRunAt: job.nextRunAt ?? horizon.addingTimeInterval(1), now: now,
            horizon: horizon, graceTime: TimeInterval(job.spec.misfireGraceTime), coalesce: job.spec.coalesce)
    }
}

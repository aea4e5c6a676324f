import Foundation

/// What to do with a job's fires that have come due: run some, record some as missed, and
/// where to resume. A pure function of the schedule and the clock (README.md, misfires).
///
/// A fire is *runnable* while `now - fire <= graceTime`; older fires are *missed* and are
/// recorded, not run. With `coalesce`, all runnable fires collapse into one run (the latest);
/// without it each runnable fire runs.
///
/// ```swift
/// let plan = MisfirePlan(schedule: schedule, firstDue: job.nextRunAt, now: now,
///                        graceTime: 60, coalesce: true)
/// // insert plan.runs as queued executions, plan.missed as missed ones,
/// // and store plan.next as the job's nextRunAt — in one transaction.
/// ```
public struct MisfirePlan: Sendable, Hashable {
    /// Nominal fire times to run now, oldest first.
    public var runs: [Date]
    /// Nominal fire times to record as `missed`, oldest first (at most `missedLimit`).
    public var missed: [Date]
    /// Whether more fires were missed than `missed` lists (a long outage). The omitted ones
    /// are the oldest contiguous run after the listed ones, before the runnable ones.
    public var missedTruncated: Bool
    /// How many runnable fires were folded into the single run by `coalesce` (0 if none).
    public var coalesced: Int
    /// The first fire strictly after `now`, the job's new `nextRunAt`; `nil` when finished.
    public var next: Date?

    /// The most missed fires listed by default; beyond that they are skipped in one jump.
    public static let defaultMissedLimit = 100
    /// The most runs planned at once without coalescing (a very short interval with a long
    /// grace time); beyond that the oldest runnable fires are recorded as missed.
    public static let maximumRuns = 1000

    /// Plans the fires in `firstDue ... now`. `firstDue` is the job's stored `nextRunAt` (a
    /// fire not yet handled); nothing is due when it is after `now`.
    public init(schedule: Schedule, firstDue: Date, now: Date, graceTime: TimeInterval, coalesce: Bool, missedLimit: Int = MisfirePlan.defaultMissedLimit) {
        runs = []
        missed = []
        missedTruncated = false
        coalesced = 0
        guard firstDue <= now else {
            next = firstDue
            return
        }
        let grace = max(0, graceTime)
        let oldestRunnable = now.addingTimeInterval(-grace)

        // Missed fires: listed up to the limit, then skipped in one jump to the runnable ones.
        var fire: Date? = firstDue
        while let current = fire, current < oldestRunnable {
            if missed.count == max(0, missedLimit) {
                missedTruncated = true
                fire = schedule.nextFire(after: oldestRunnable.addingTimeInterval(-0.000_001))
                break
            }
            missed.append(current)
            fire = schedule.nextFire(after: current)
        }

        var runnable: [Date] = []
        while let current = fire, current <= now {
            runnable.append(current)
            fire = schedule.nextFire(after: current)
            if runnable.count > Self.maximumRuns {
                // Keep the newest runs; the oldest become missed (bounded memory and work).
                let dropped = runnable.removeFirst()
                if missed.count < max(0, missedLimit) { missed.append(dropped) } else { missedTruncated = true }
            }
        }
        if coalesce, let latest = runnable.last {
            coalesced = runnable.count - 1
            runs = [latest]
        } else {
            runs = runnable
        }
        next = fire
    }
}

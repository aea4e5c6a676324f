import Foundation

/// The scheduler's decisions as a value: after each scheduling pass, claim again at once
/// (a full pass means more is due) or sleep until the earliest next fire minus the
/// look-ahead, capped by the idle poll interval. A change to jobs wakes it early.
///
/// **Back-pressure.** When the scheduler's fires can only be run by this instance's workers
/// (the store is used by this process alone), a pass takes no more fires than the workers have
/// room for (`room`). Past capacity the scheduler then waits for room instead of queueing
/// fires nobody can run yet: the backlog stays in the jobs' `nextRunAt` (lag grows, costing
/// nothing), and a job reached late is planned as after any stall — fires past their grace
/// `missed`, the rest coalesced — so each executed fire still costs one write, as at capacity
/// (docs/PERFORMANCE.md, past capacity).
///
/// Pure: instants and room come in as arguments, so tests drive it without a clock.
public struct SchedulerStateMachine: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Run a pass: claim due jobs with `nextRunAt <= horizon`.
        case claim(now: Date, horizon: Date, limit: Int)
        /// Sleep until `deadline` unless woken.
        case sleep(until: Date)
        /// The workers have no room: sleep until they have (they wake the loop), or `deadline`.
        case waitForRoom(until: Date)
        case stop
    }

    /// How long to wait when a pass took nothing although a fire is within the look-ahead: the
    /// store left it (another scheduler holds the job, or the job's every slot is held and its
    /// fire is not due yet); claiming again at once would spin until that changes.
    public static let heldRecheck: TimeInterval = 0.05

    public let batchSize: Int
    public let lookahead: TimeInterval
    public let idlePollInterval: TimeInterval
    private(set) var stopping = false

    public init(batchSize: Int, lookahead: TimeInterval, idlePollInterval: TimeInterval) {
        self.batchSize = batchSize
        self.lookahead = lookahead
        self.idlePollInterval = idlePollInterval
    }

    /// The first action of a loop turn. `room`: how many fires the workers can take now, when
    /// only they can run the fires (`nil`: no bound but the batch size).
    public func start(now: Date, room: Int? = nil) -> Action {
        if stopping { return .stop }
        let limit = min(batchSize, room ?? batchSize)
        guard limit > 0 else { return .waitForRoom(until: now.addingTimeInterval(idlePollInterval)) }
        return .claim(now: now, horizon: now.addingTimeInterval(lookahead), limit: limit)
    }

    /// After a pass that claimed `jobsClaimed` of at most `limit` jobs; `earliestNextRun` is
    /// the store's earliest `nextRunAt` after the pass; `room` as for ``start(now:room:)``.
    public func passFinished(jobsClaimed: Int, limit: Int? = nil, earliestNextRun: Date?, now: Date, room: Int? = nil) -> Action {
        if stopping { return .stop }
        if jobsClaimed >= (limit ?? batchSize) { return start(now: now, room: room) }
        let idleDeadline = now.addingTimeInterval(idlePollInterval)
        guard let next = earliestNextRun else { return .sleep(until: idleDeadline) }
        let wake = next.addingTimeInterval(-lookahead)
        if wake <= now {
            if jobsClaimed > 0 || next <= now { return start(now: now, room: room) }
            return .sleep(until: min(next, now.addingTimeInterval(Self.heldRecheck)))
        }
        return .sleep(until: min(wake, idleDeadline))
    }

    /// After a store error: back off briefly and try again.
    public func passFailed(now: Date) -> Action {
        stopping ? .stop : .sleep(until: now.addingTimeInterval(min(1, idlePollInterval)))
    }

    public mutating func shutdown() { stopping = true }
}

import Foundation

/// The scheduler's decisions as a value: after each scheduling pass, claim again at once
/// (a full batch means more is due) or sleep until the earliest next fire minus the
/// look-ahead, capped by the idle poll interval. A change to jobs wakes it early.
///
/// Pure: instants come in as arguments, so tests drive it without a clock.
public struct SchedulerStateMachine: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Run a pass: claim due jobs with `nextRunAt <= horizon`.
        case claim(now: Date, horizon: Date, limit: Int)
        /// Sleep until `deadline` unless woken.
        case sleep(until: Date)
        case stop
    }

    public let batchSize: Int
    public let lookahead: TimeInterval
    public let idlePollInterval: TimeInterval
    private(set) var stopping = false

    public init(batchSize: Int, lookahead: TimeInterval, idlePollInterval: TimeInterval) {
        self.batchSize = batchSize
        self.lookahead = lookahead
        self.idlePollInterval = idlePollInterval
    }

    /// The first action of a loop turn.
    public func start(now: Date) -> Action {
        stopping ? .stop : .claim(now: now, horizon: now.addingTimeInterval(lookahead), limit: batchSize)
    }

    /// After a pass that claimed `jobsClaimed` jobs; `earliestNextRun` is the store's earliest
    /// `nextRunAt` after the pass.
    public func passFinished(jobsClaimed: Int, earliestNextRun: Date?, now: Date) -> Action {
        if stopping { return .stop }
        if jobsClaimed >= batchSize { return start(now: now) }
        let idleDeadline = now.addingTimeInterval(idlePollInterval)
        guard let next = earliestNextRun else { return .sleep(until: idleDeadline) }
        let wake = next.addingTimeInterval(-lookahead)
        if wake <= now { return start(now: now) }
        return .sleep(until: min(wake, idleDeadline))
    }

    /// After a store error: back off briefly and try again.
    public func passFailed(now: Date) -> Action {
        stopping ? .stop : .sleep(until: now.addingTimeInterval(min(1, idlePollInterval)))
    }

    public mutating func shutdown() { stopping = true }
}

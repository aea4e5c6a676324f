import Foundation
import KairosCore
import KairosStore

/// A worker slot: one task that runs executions one after another while any are due, so that
/// a burst of quick executions costs a task per slot, not a task per execution. The slot also
/// holds the state of the attempt running in it, so starting an attempt takes no shared lock.
/// The slot's child in the pool's task group waits for ``end``: the slot ran out of due work,
/// or its attempt was abandoned (the task ignored cancellation), which gives the slot back at
/// once while the abandoned task is left to return whenever it does.
final class WorkerSlot: Sendable {
    /// The attempt running in a slot.
    struct Attempt: Sendable {
        let claimed: ClaimedExecution
        let startedAt: Date
        /// Tells this attempt from the slot's earlier ones.
        let serial: Int
        var timeoutAt: Date?
        /// Why it was stopped (timeout, cancel request, shutdown); the first reason wins.
        var reason: String?
        /// When it is abandoned if its task ignores the stop.
        var abandonAt: Date?

        /// The outcome recorded for the attempt when it is abandoned.
        var abandonedResult: AttemptResult {
            AttemptResult(
                result: .failure(AttemptRunner.stopError(reason: reason ?? ExecutionError.shutdown, timeout: claimed.job.spec.timeout, abandoned: true)),
                cancelledOnRequest: reason.map(AttemptRunner.isCancelRequest) ?? false)
        }
    }

    enum End: Sendable {
        case drained
        case abandoned(Attempt)
    }

    /// How an attempt's task came back.
    enum Return {
        case ran
        case stopped(reason: String)
        /// Given up on before it returned: its outcome is recorded already.
        case abandoned
    }

    private struct State {
        var task: Task<Void, Never>?
        var cancelled = false
        var attempt: Attempt?
        var serial = 0
        var abandoned = false
    }

    let end = Once<End>()
    private let state = Locked(State())

    func start(_ task: Task<Void, Never>) {
        let cancelled = state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// An attempt begins in the slot; returns its timeout deadline, if it has one.
    func begin(_ claimed: ClaimedExecution, startedAt: Date) -> Date? {
        state.withLock { state in
            state.serial += 1
            let attempt = Attempt(
                claimed: claimed, startedAt: startedAt, serial: state.serial, timeoutAt: claimed.job.spec.timeout.map { startedAt.addingTimeInterval($0) })
            state.attempt = attempt
            return attempt.timeoutAt
        }
    }

    func taskReturned() -> Return {
        state.withLock { state in
            if state.abandoned { return .abandoned }
            defer { state.attempt = nil }
            return state.attempt?.reason.map { .stopped(reason: $0) } ?? .ran
        }
    }

    /// The running attempt, for the timer loop; `nil` between attempts or once abandoned.
    var attempt: Attempt? { state.withLock { $0.abandoned ? nil : $0.attempt } }

    /// Stops the running attempt if it matches: cancels the slot's task (cancellation sticks to
    /// it, so the slot ends when the attempt returns and a new slot runs what is due next).
    func requestStop(where matches: (Attempt) -> Bool, reason: String, abandonAt: Date) {
        state.withLock { state in
            guard !state.abandoned, var attempt = state.attempt, attempt.reason == nil, matches(attempt) else { return }
            attempt.reason = reason
            attempt.timeoutAt = nil
            attempt.abandonAt = abandonAt
            state.attempt = attempt
            state.cancelled = true
            // Under the lock, so the slot cannot have moved on to its next attempt.
            state.task?.cancel()
        }
    }

    /// Gives up on attempt `serial` if it is still running, and ends the slot.
    func abandon(serial: Int) {
        let abandoned = state.withLock { state -> Attempt? in
            guard !state.abandoned, let attempt = state.attempt, attempt.serial == serial else { return nil }
            state.abandoned = true
            return attempt
        }
        if let abandoned { end.set(.abandoned(abandoned)) }
    }
}

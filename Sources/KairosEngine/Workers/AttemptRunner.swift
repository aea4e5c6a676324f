import Foundation
import KairosCore
import KairosStore
import Synchronization

/// A worker slot: one task that runs executions one after another while any are due, so that
/// a burst of quick executions costs a task per slot, not a task per execution. The slot's
/// child in the pool's task group waits for ``end``: the slot ran out of due work, or the
/// attempt running in it was abandoned (its task ignored cancellation), which gives the slot
/// back at once while the abandoned task is left to return whenever it does.
final class WorkerSlot: Sendable {
    enum End: Sendable {
        case drained
        case abandoned(RunningAttempts.Attempt)
    }

    let end = Once<End>()
    private let work = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func start(_ task: Task<Void, Never>) {
        let cancelled = work.withLock { work -> Bool in
            work.task = task
            return work.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// Cancels the slot's task, and so the attempt running in it; cancellation sticks to the
    /// task, so the slot ends when that attempt returns and a new slot runs what is due next.
    func cancel() {
        work.withLock { work -> Task<Void, Never>? in
            work.cancelled = true
            return work.task
        }?.cancel()
    }
}

/// The running attempts of one worker pool, so that a timeout, a cancel request or shutdown
/// can reach them. One timer loop per pool (``runTimers(clock:)``) enforces timeouts and
/// abandons attempts that ignore cancellation, so an attempt costs no timer of its own.
final class RunningAttempts: Sendable {
    final class Attempt: Sendable {
        struct State {
            var reason: String?
            var timeoutAt: Date?
            var abandonAt: Date?
            /// The task returned, or the attempt was abandoned: stopping it is moot.
            var ended = false
            var abandoned = false
        }

        /// How the attempt's task came back.
        enum Return {
            case ran
            case stopped(reason: String)
            /// Given up on before it returned: its outcome is recorded already.
            case abandoned
        }

        let claimed: ClaimedExecution
        let startedAt: Date
        let slot: WorkerSlot
        let state: Mutex<State>

        init(_ claimed: ClaimedExecution, startedAt: Date, slot: WorkerSlot) {
            self.claimed = claimed
            self.startedAt = startedAt
            self.slot = slot
            state = Mutex(State(timeoutAt: claimed.job.spec.timeout.map { startedAt.addingTimeInterval($0) }))
        }

        var id: UUID { claimed.execution.id }

        /// Records why the attempt stops (the first reason wins), cancels it, and sets when it
        /// is abandoned if its task ignores the cancellation.
        func requestStop(reason: String, abandonAt: Date) {
            state.withLock { state in
                guard state.reason == nil, !state.ended else { return }
                state.reason = reason
                state.timeoutAt = nil
                state.abandonAt = abandonAt
                // Under the lock, so the slot cannot have moved on to its next attempt.
                slot.cancel()
            }
        }

        func taskReturned() -> Return {
            state.withLock { state in
                if state.abandoned { return .abandoned }
                state.ended = true
                return state.reason.map { .stopped(reason: $0) } ?? .ran
            }
        }

        /// Gives up on an attempt whose task ignored cancellation and ends its slot; `false`
        /// when the task has returned meanwhile.
        func abandon() -> Bool {
            let abandoned = state.withLock { state -> Bool in
                guard !state.ended else { return false }
                state.ended = true
                state.abandoned = true
                return true
            }
            if abandoned { slot.end.set(.abandoned(self)) }
            return abandoned
        }

        /// The outcome recorded for an abandoned attempt.
        var abandonedResult: AttemptResult {
            let reason = state.withLock { $0.reason } ?? ExecutionError.shutdown
            return AttemptResult(result: .failure(AttemptRunner.stopError(reason: reason, timeout: claimed.job.spec.timeout, abandoned: true)))
        }
    }

    /// The attempts, and when the timer loop wakes next (`nil`: only on a signal). One lock, so
    /// that an attempt added while the loop computes its wake-up is never missed.
    private let state = Mutex<(attempts: [UUID: Attempt], wake: Date?)>(([:], nil))
    private let timers = Wakeup()
    private let finished = Atomic<Bool>(false)
    let abandonAfter: TimeInterval

    init(abandonAfter: TimeInterval) {
        self.abandonAfter = abandonAfter
    }

    func add(_ claimed: ClaimedExecution, startedAt: Date, slot: WorkerSlot) -> Attempt {
        let attempt = Attempt(claimed, startedAt: startedAt, slot: slot)
        let timeoutAt = attempt.state.withLock { $0.timeoutAt }
        let signal = state.withLock { state -> Bool in
            state.attempts[attempt.id] = attempt
            guard let timeoutAt, state.wake.map({ timeoutAt < $0 }) ?? true else { return false }
            state.wake = timeoutAt
            return true
        }
        if signal { timers.signal() }
        return attempt
    }

    /// Forgets `attempt` (not a later attempt of the same execution that replaced it).
    func remove(_ attempt: Attempt) {
        state.withLock { state in
            if state.attempts[attempt.id] === attempt { state.attempts[attempt.id] = nil }
        }
    }

    func stop(_ ids: [UUID], reason: String, now: Date) {
        let targets = state.withLock { state in ids.compactMap { state.attempts[$0] } }
        for attempt in targets { attempt.requestStop(reason: reason, abandonAt: now.addingTimeInterval(abandonAfter)) }
        timers.signal()
    }

    func stopAll(reason: String, now: Date) {
        stop(state.withLock { Array($0.attempts.keys) }, reason: reason, now: now)
    }

    /// Ends ``runTimers(clock:)`` once no attempt is left.
    func finish() {
        finished.store(true, ordering: .relaxed)
        timers.signal()
    }

    /// Stops attempts at their timeout and abandons those still running `abandonAfter` later.
    func runTimers(clock: any EngineClock) async {
        while true {
            let now = clock.now()
            if Task.isCancelled {
                // The service group is being torn down (another service failed): no timer can
                // wait any more, so every attempt is stopped and abandoned now.
                let all = state.withLock { Array($0.attempts.values) }
                for attempt in all {
                    attempt.requestStop(reason: ExecutionError.shutdown, abandonAt: now)
                    abandon(attempt)
                }
                return
            }
            var next: Date?
            var timedOut: [Attempt] = []
            var abandoned: [Attempt] = []
            let empty = state.withLock { state -> Bool in
                for attempt in state.attempts.values {
                    attempt.state.withLock { attemptState in
                        if let at = attemptState.timeoutAt {
                            if at <= now { timedOut.append(attempt) } else { next = min(next ?? at, at) }
                        } else if let at = attemptState.abandonAt {
                            if at <= now { abandoned.append(attempt) } else { next = min(next ?? at, at) }
                        }
                    }
                }
                if !timedOut.isEmpty { next = min(next ?? now.addingTimeInterval(abandonAfter), now.addingTimeInterval(abandonAfter)) }
                state.wake = next
                return state.attempts.count == abandoned.count
            }
            for attempt in timedOut {
                attempt.requestStop(reason: ExecutionError.timeout, abandonAt: now.addingTimeInterval(abandonAfter))
            }
            for attempt in abandoned { abandon(attempt) }
            if empty && finished.load(ordering: .relaxed) { return }
            await timers.wait(until: next, clock: clock)
        }
    }

    /// An abandoned attempt leaves the registry at once: its task may never return.
    private func abandon(_ attempt: Attempt) {
        _ = attempt.abandon()
        remove(attempt)
    }
}

/// A value that is set once; `value` waits for it.
final class Once<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>((nil, nil))

    func set(_ value: Value) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// How an attempt ended, before the retry decision.
struct AttemptResult: Sendable {
    var result: Result<String?, ExecutionError>
    var failureResult: String?
}

/// Runs one attempt of a task in the calling worker slot's task, with cooperative
/// cancellation: at the timeout (or on a cancel request or shutdown) the slot's task is
/// cancelled; if the attempt has not returned `abandonAfter` seconds later it is abandoned and
/// recorded as failed anyway (see ``WorkerSlot``).
struct AttemptRunner: Sendable {
    let attempts: RunningAttempts

    /// How the attempt ended; `nil` when it was abandoned meanwhile (its outcome is recorded).
    func run(_ claimed: ClaimedExecution, task: any KairosTask, context: TaskContext, startedAt: Date, slot: WorkerSlot) async -> AttemptResult? {
        let attempt = attempts.add(claimed, startedAt: startedAt, slot: slot)
        defer { attempts.remove(attempt) }
        let finished: AttemptResult
        do {
            finished = AttemptResult(result: .success(try await task.run(args: claimed.job.spec.args, context: context)))
        } catch let failure as TaskFailure {
            finished = AttemptResult(result: .failure(ExecutionError(reason: failure.reason, message: failure.message)), failureResult: failure.result)
        } catch is CancellationError {
            finished = AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "the task was cancelled")))
        } catch {
            finished = AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.exception, message: "\(error)")))
        }
        switch attempt.taskReturned() {
        case .abandoned:
            return nil
        case .ran:
            return finished
        case .stopped(let reason):
            // The attempt was stopped: a failure is recorded with why (timeout, cancel request, shutdown).
            guard case .failure = finished.result else { return finished }
            return AttemptResult(
                result: .failure(Self.stopError(reason: reason, timeout: claimed.job.spec.timeout, abandoned: false)), failureResult: finished.failureResult)
        }
    }

    static func stopError(reason: String, timeout: TimeInterval?, abandoned: Bool) -> ExecutionError {
        let suffix = abandoned ? "; abandoned after it ignored cancellation" : ""
        switch reason {
        case ExecutionError.timeout:
            return ExecutionError(reason: ExecutionError.timeout, message: "timed out after \(ArgumentChecker.format(timeout ?? 0)) s" + suffix)
        case ExecutionError.shutdown:
            return ExecutionError(reason: ExecutionError.shutdown, message: "interrupted: the instance shut down before the attempt finished" + suffix)
        default:
            return ExecutionError(reason: ExecutionError.cancelled, message: "cancelled on request" + suffix)
        }
    }
}

import Foundation
import KairosCore
import KairosStore
import Synchronization

/// The running attempts of one worker pool, so that a timeout, a cancel request or shutdown
/// can reach them. One timer loop per pool (``runTimers(clock:)``) enforces timeouts and
/// abandons attempts that ignore cancellation, so an attempt costs one task, not a timer each.
final class RunningAttempts: Sendable {
    final class Attempt: Sendable {
        struct State {
            var work: Task<Void, Never>?
            var reason: String?
            var timeoutAt: Date?
            var abandonAt: Date?
        }

        let outcome = Once<AttemptResult>()
        let state: Mutex<State>

        init(timeoutAt: Date?) {
            state = Mutex(State(timeoutAt: timeoutAt))
        }

        var reason: String? { state.withLock { $0.reason } }

        /// Records why the attempt stops (the first reason wins), cancels its task, and sets
        /// when it is abandoned if the task ignores the cancellation.
        func requestStop(reason: String, abandonAt: Date) {
            let work = state.withLock { state -> Task<Void, Never>? in
                guard state.reason == nil else { return nil }
                state.reason = reason
                state.timeoutAt = nil
                state.abandonAt = abandonAt
                return state.work
            }
            work?.cancel()
        }

        func start(_ work: Task<Void, Never>) {
            let stopped = state.withLock { state -> Bool in
                state.work = work
                return state.reason != nil
            }
            if stopped { work.cancel() }
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

    func add(_ id: UUID, timeoutAt: Date?) -> Attempt {
        let attempt = Attempt(timeoutAt: timeoutAt)
        let signal = state.withLock { state -> Bool in
            state.attempts[id] = attempt
            guard let timeoutAt, state.wake.map({ timeoutAt < $0 }) ?? true else { return false }
            state.wake = timeoutAt
            return true
        }
        if signal { timers.signal() }
        return attempt
    }

    func remove(_ id: UUID) { _ = state.withLock { $0.attempts.removeValue(forKey: id) } }

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
                    attempt.outcome.set(
                        AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.shutdown, message: "abandoned: the engine was cancelled"))))
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
                return state.attempts.isEmpty
            }
            for attempt in timedOut {
                attempt.requestStop(reason: ExecutionError.timeout, abandonAt: now.addingTimeInterval(abandonAfter))
            }
            for attempt in abandoned {
                attempt.outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "abandoned"))))
            }
            if empty && finished.load(ordering: .relaxed) { return }
            await timers.wait(until: next, clock: clock)
        }
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

/// Runs one attempt of a task with cooperative cancellation: at the timeout (or on a cancel
/// request or shutdown) the task is cancelled; if it has not returned `abandonAfter` seconds
/// later it is abandoned and the attempt recorded as failed anyway.
struct AttemptRunner: Sendable {
    let attempts: RunningAttempts

    func run(task: any KairosTask, args: JSONValue, context: TaskContext, timeout: TimeInterval?, startedAt: Date) async -> AttemptResult {
        let attempt = attempts.add(context.executionId, timeoutAt: timeout.map { startedAt.addingTimeInterval($0) })
        defer { attempts.remove(context.executionId) }
        let outcome = attempt.outcome
        // Held by the attempt and cancelled through it; unstructured only so that a task
        // ignoring cancellation can be abandoned instead of holding a worker slot forever.
        attempt.start(
            Task {
                do {
                    outcome.set(AttemptResult(result: .success(try await task.run(args: args, context: context))))
                } catch let failure as TaskFailure {
                    outcome.set(
                        AttemptResult(result: .failure(ExecutionError(reason: failure.reason, message: failure.message)), failureResult: failure.result))
                } catch is CancellationError {
                    outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "the task was cancelled"))))
                } catch {
                    outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.exception, message: "\(error)"))))
                }
            })
        let finished = await outcome.value
        guard case .failure(let error) = finished.result, let reason = attempt.reason else { return finished }
        // The attempt was stopped: record why (timeout, cancel request, shutdown).
        let abandoned = error.message == "abandoned" ? "; abandoned after it ignored cancellation" : ""
        let stopped: ExecutionError
        switch reason {
        case ExecutionError.timeout:
            stopped = ExecutionError(reason: ExecutionError.timeout, message: "timed out after \(ArgumentChecker.format(timeout ?? 0)) s" + abandoned)
        case ExecutionError.shutdown:
            stopped = ExecutionError(reason: ExecutionError.shutdown, message: "interrupted: the instance shut down before the attempt finished" + abandoned)
        default:
            stopped = ExecutionError(reason: ExecutionError.cancelled, message: "cancelled on request" + abandoned)
        }
        return AttemptResult(result: .failure(stopped), failureResult: finished.failureResult)
    }
}

import Foundation
import KairosCore
import KairosStore
import Synchronization

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
                result: .failure(AttemptRunner.stopError(reason: reason ?? ExecutionError.shutdown, timeout: claimed.job.spec.timeout, abandoned: true)))
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
    private let state = Mutex(State())

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

/// The worker slots of one pool, so that a timeout, a cancel request or shutdown can reach the
/// attempts running in them. One timer loop per pool (``runTimers(clock:)``) enforces timeouts
/// and abandons attempts that ignore cancellation, so an attempt costs no timer of its own.
final class RunningAttempts: Sendable {
    /// The slots, and when the timer loop wakes next (`nil`: only on a signal). One lock, so
    /// that a timeout set while the loop computes its wake-up is never missed.
    private let state = Mutex<(slots: [ObjectIdentifier: WorkerSlot], wake: Date?)>(([:], nil))
    private let timers = Wakeup()
    private let finished = Atomic<Bool>(false)
    let abandonAfter: TimeInterval

    init(abandonAfter: TimeInterval) {
        self.abandonAfter = abandonAfter
    }

    func register(_ slot: WorkerSlot) {
        state.withLock { $0.slots[ObjectIdentifier(slot)] = slot }
    }

    func unregister(_ slot: WorkerSlot) {
        let empty = state.withLock { state -> Bool in
            state.slots[ObjectIdentifier(slot)] = nil
            return state.slots.isEmpty
        }
        if empty { timers.signal() }
    }

    /// An attempt with a timeout began: wakes the timer loop if it is the earliest deadline.
    func timeoutSet(_ timeoutAt: Date) {
        let signal = state.withLock { state -> Bool in
            guard state.wake.map({ timeoutAt < $0 }) ?? true else { return false }
            state.wake = timeoutAt
            return true
        }
        if signal { timers.signal() }
    }

    func stop(_ ids: [UUID], reason: String, now: Date) {
        let ids = Set(ids)
        stop(where: { ids.contains($0.claimed.execution.id) }, reason: reason, now: now)
    }

    func stopAll(reason: String, now: Date) {
        stop(where: { _ in true }, reason: reason, now: now)
    }

    private func stop(where matches: (WorkerSlot.Attempt) -> Bool, reason: String, now: Date) {
        for slot in state.withLock({ Array($0.slots.values) }) {
            slot.requestStop(where: matches, reason: reason, abandonAt: now.addingTimeInterval(abandonAfter))
        }
        timers.signal()
    }

    /// Ends ``runTimers(clock:)`` once no slot is left.
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
                for slot in state.withLock({ Array($0.slots.values) }) {
                    slot.requestStop(where: { _ in true }, reason: ExecutionError.shutdown, abandonAt: now)
                    if let attempt = slot.attempt { slot.abandon(serial: attempt.serial) }
                }
                return
            }
            var next: Date?
            var timedOut: [(WorkerSlot, Int)] = []
            var abandoned: [(WorkerSlot, Int)] = []
            let empty = state.withLock { state -> Bool in
                for slot in state.slots.values {
                    guard let attempt = slot.attempt else { continue }
                    if let at = attempt.timeoutAt {
                        if at <= now { timedOut.append((slot, attempt.serial)) } else { next = min(next ?? at, at) }
                    } else if let at = attempt.abandonAt {
                        if at <= now { abandoned.append((slot, attempt.serial)) } else { next = min(next ?? at, at) }
                    }
                }
                if !timedOut.isEmpty { next = min(next ?? now.addingTimeInterval(abandonAfter), now.addingTimeInterval(abandonAfter)) }
                state.wake = next
                return state.slots.isEmpty
            }
            for (slot, serial) in timedOut {
                slot.requestStop(where: { $0.serial == serial }, reason: ExecutionError.timeout, abandonAt: now.addingTimeInterval(abandonAfter))
            }
            for (slot, serial) in abandoned { slot.abandon(serial: serial) }
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

/// Runs one attempt of a task in the calling worker slot's task, with cooperative
/// cancellation: at the timeout (or on a cancel request or shutdown) the slot's task is
/// cancelled; if the attempt has not returned `abandonAfter` seconds later it is abandoned and
/// recorded as failed anyway (see ``WorkerSlot``).
struct AttemptRunner: Sendable {
    let attempts: RunningAttempts

    /// How the attempt ended; `nil` when it was abandoned meanwhile (its outcome is recorded).
    func run(_ claimed: ClaimedExecution, task: any KairosTask, context: TaskContext, startedAt: Date, slot: WorkerSlot) async -> AttemptResult? {
        if let timeoutAt = slot.begin(claimed, startedAt: startedAt) { attempts.timeoutSet(timeoutAt) }
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
        switch slot.taskReturned() {
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

import Foundation
import KairosCore
import KairosStore
import Synchronization

/// The running attempts of one worker pool, so that a timeout, a cancel request or shutdown
/// can reach them.
final class RunningAttempts: Sendable {
    final class Attempt: Sendable {
        let stop = Wakeup()
        let reason = Mutex<String?>(nil)

        func requestStop(reason: String) {
            let first = self.reason.withLock { current -> Bool in
                guard current == nil else { return false }
                current = reason
                return true
            }
            if first { stop.signal() }
        }
    }

    private let attempts = Mutex<[UUID: Attempt]>([:])

    func add(_ id: UUID) -> Attempt {
        let attempt = Attempt()
        attempts.withLock { $0[id] = attempt }
        return attempt
    }

    func remove(_ id: UUID) { _ = attempts.withLock { $0.removeValue(forKey: id) } }

    func stop(_ ids: [UUID], reason: String) {
        let targets = attempts.withLock { all in ids.compactMap { all[$0] } }
        for attempt in targets { attempt.requestStop(reason: reason) }
    }

    func stopAll(reason: String) {
        let targets = attempts.withLock { Array($0.values) }
        for attempt in targets { attempt.requestStop(reason: reason) }
    }

    var ids: [UUID] { attempts.withLock { Array($0.keys) } }
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
    let clock: any EngineClock
    let abandonAfter: TimeInterval

    func run(task: any KairosTask, args: JSONValue, context: TaskContext, timeout: TimeInterval?, attempt: RunningAttempts.Attempt) async -> AttemptResult {
        let start = clock.now()
        let outcome = Once<AttemptResult>()
        // Held and cancelled below; unstructured only so that a task ignoring cancellation can
        // be abandoned instead of holding a worker slot forever.
        let work = Task {
            do {
                outcome.set(AttemptResult(result: .success(try await task.run(args: args, context: context))))
            } catch let failure as TaskFailure {
                outcome.set(AttemptResult(result: .failure(ExecutionError(reason: failure.reason, message: failure.message)), failureResult: failure.result))
            } catch is CancellationError {
                outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "the task was cancelled"))))
            } catch {
                outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.exception, message: "\(error)"))))
            }
        }
        let deadline = timeout.map { start.addingTimeInterval($0) }
        let finished = await withTaskGroup(of: Void.self) { group -> AttemptResult in
            group.addTask {
                await attempt.stop.wait(until: deadline, clock: clock)
                if Task.isCancelled { return }
                if let timeout { attempt.requestStop(reason: "\(ExecutionError.timeout):\(timeout)") }
                work.cancel()
                guard (try? await clock.sleep(until: clock.now().addingTimeInterval(abandonAfter))) != nil else { return }
                outcome.set(AttemptResult(result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "abandoned"))))
            }
            let value = await outcome.value
            group.cancelAll()
            return value
        }
        guard case .failure(let error) = finished.result, let reason = attempt.reason.withLock({ $0 }) else { return finished }
        // The attempt was stopped: record why (timeout, cancel request, shutdown).
        let stopped: ExecutionError
        if reason.hasPrefix(ExecutionError.timeout + ":") {
            let seconds = reason.dropFirst(ExecutionError.timeout.count + 1)
            stopped = ExecutionError(reason: ExecutionError.timeout, message: "timed out after \(seconds) s" + (error.message == "abandoned" ? "; abandoned after it ignored cancellation" : ""))
        } else if reason == ExecutionError.shutdown {
            stopped = ExecutionError(reason: ExecutionError.shutdown, message: "interrupted: the instance shut down before the attempt finished")
        } else {
            stopped = ExecutionError(reason: ExecutionError.cancelled, message: "cancelled on request")
        }
        return AttemptResult(result: .failure(stopped), failureResult: finished.failureResult)
    }
}

import Foundation
import KairosCore
import KairosStore

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
                result: .failure(Self.stopError(reason: reason, timeout: claimed.job.spec.timeout, abandoned: false)), failureResult: finished.failureResult,
                cancelledOnRequest: Self.isCancelRequest(reason))
        }
    }

    /// Whether a stop `reason` is a cancel request (not a timeout or a shutdown).
    static func isCancelRequest(_ reason: String) -> Bool {
        reason != ExecutionError.timeout && reason != ExecutionError.shutdown
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

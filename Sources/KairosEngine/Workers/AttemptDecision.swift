import Foundation
import KairosCore
import KairosStore

/// What to record when an attempt ends: success, a retry at a later time, or a final failure.
/// An attempt stopped by a cancel request (`cancelledOnRequest`) is never retried: the
/// execution is `cancelled` already. Pure: the random draw for the retry jitter is passed in
/// (`jitterFraction`, uniform in `0...1`).
public enum AttemptDecision {
    public static func completion(
        for claimed: ClaimedExecution, instanceId: String, startedAt: Date, finishedAt: Date,
        result: Result<String?, ExecutionError>, failureResult: String? = nil, cancelledOnRequest: Bool = false,
        jitterFraction: Double
    ) -> Completion {
        let execution = claimed.execution
        let outcome: Completion.Outcome
        switch result {
        case .success(let summary):
            outcome = .succeeded(result: summary)
        case .failure(let error) where cancelledOnRequest:
            outcome = .failed(error, result: failureResult, retryAt: nil)
        case .failure(let error):
            let retryAt = claimed.job.spec.retry
                .delay(afterFailedAttempt: execution.attempt, jitterFraction: jitterFraction)
                .map { finishedAt.addingTimeInterval($0) }
            outcome = .failed(error, result: failureResult, retryAt: retryAt)
        }
        return Completion(
            executionId: execution.id, instanceId: instanceId, attempt: execution.attempt,
            startedAt: startedAt, finishedAt: finishedAt, outcome: outcome)
    }
}

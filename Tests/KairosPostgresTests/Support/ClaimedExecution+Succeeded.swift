import Foundation
import KairosStore

extension ClaimedExecution {
    /// The outcome of this attempt succeeding at `date` on `instance`'s worker.
    func succeeded(by instance: String, at date: Date) -> Completion {
        Completion(
            executionId: execution.id, instanceId: instance, attempt: execution.attempt, startedAt: date, finishedAt: date,
            outcome: .succeeded(result: nil))
    }
}

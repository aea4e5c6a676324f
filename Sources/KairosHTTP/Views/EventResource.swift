import Foundation
import KairosCore
import KairosEngine

/// An engine event as sent on `/scheduler/events`: `type` is the event name
/// (`execution.succeeded` …), with the job it concerns and, for executions, the execution.
struct EventResource: Encodable {
    let event: EngineEvent
    let at: Date

    private enum Keys: String, CodingKey { case type, at, jobId, jobKey, execution, willRetry }

    /// The job the event concerns.
    var job: (id: UUID, key: String) {
        switch event {
        case .jobAdded(let id, let key), .jobModified(let id, let key), .jobRemoved(let id, let key): (id, key)
        case .executionSubmitted(let e), .executionStarted(let e), .executionSucceeded(let e), .executionMissed(let e),
            .executionCancelled(let e), .executionFailed(let e, _):
            (e.jobId, e.jobKey)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(event.name, forKey: .type)
        try container.encode(at, forKey: .at)
        let job = self.job
        try container.encode(job.id, forKey: .jobId)
        try container.encode(job.key, forKey: .jobKey)
        if let execution = event.execution { try container.encode(ExecutionResource(execution: execution), forKey: .execution) }
        if case .executionFailed(_, let willRetry) = event { try container.encode(willRetry, forKey: .willRetry) }
    }
}

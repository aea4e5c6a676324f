import Foundation
import KairosCore

/// Something the engine did, delivered to in-process listeners (like APScheduler's
/// `EVENT_JOB_*`), to the logs and metrics, and to the API's live stream.
public enum EngineEvent: Sendable, Hashable {
    case jobAdded(jobId: UUID, key: String)
    case jobModified(jobId: UUID, key: String)
    case jobRemoved(jobId: UUID, key: String)
    /// A fire or a manual trigger was queued.
    case executionSubmitted(Execution)
    case executionStarted(Execution)
    case executionSucceeded(Execution)
    /// An attempt failed; `willRetry` when the execution was queued again.
    case executionFailed(Execution, willRetry: Bool)
    case executionMissed(Execution)
    /// A running attempt was stopped by a cancel request; the execution is `cancelled`.
    case executionCancelled(Execution)

    /// The event's name as used in logs and the SSE stream (`execution.succeeded`).
    public var name: String {
        switch self {
        case .jobAdded: "job.added"
        case .jobModified: "job.modified"
        case .jobRemoved: "job.removed"
        case .executionSubmitted: "execution.submitted"
        case .executionStarted: "execution.started"
        case .executionSucceeded: "execution.succeeded"
        case .executionFailed: "execution.failed"
        case .executionMissed: "execution.missed"
        case .executionCancelled: "execution.cancelled"
        }
    }

    public var execution: Execution? {
        switch self {
        case .executionSubmitted(let e), .executionStarted(let e), .executionSucceeded(let e), .executionMissed(let e), .executionCancelled(let e): e
        case .executionFailed(let e, _): e
        case .jobAdded, .jobModified, .jobRemoved: nil
        }
    }
}

import Foundation
import KairosCore

/// One execution as the API shows it.
struct ExecutionResource: Encodable {
    let execution: Execution

    private enum Keys: String, CodingKey {
        case id, jobId, jobKey, trigger, status, scheduledAt, runAfter, priority, attempt, startedAt, finishedAt
        case durationMs, error, result, instanceId, createdAt, attempts
    }

    private struct Attempt: Encodable {
        let attempt: ExecutionAttempt

        private enum Keys: String, CodingKey {
            case attempt, status, instanceId, startedAt, finishedAt, durationMs, error, result
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(attempt.attempt, forKey: .attempt)
            try container.encode(attempt.status, forKey: .status)
            try container.encode(attempt.instanceId, forKey: .instanceId)
            try container.encode(attempt.startedAt, forKey: .startedAt)
            try container.encode(attempt.finishedAt, forKey: .finishedAt)
            try container.encode(attempt.durationMs, forKey: .durationMs)
            try container.encode(attempt.error, forKey: .error)
            try container.encode(attempt.result, forKey: .result)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(execution.id, forKey: .id)
        try container.encode(execution.jobId, forKey: .jobId)
        try container.encode(execution.jobKey, forKey: .jobKey)
        try container.encode(execution.trigger, forKey: .trigger)
        try container.encode(execution.status, forKey: .status)
        try container.encode(execution.scheduledAt, forKey: .scheduledAt)
        try container.encode(execution.runAfter, forKey: .runAfter)
        try container.encode(execution.priority, forKey: .priority)
        try container.encode(execution.attempt, forKey: .attempt)
        try container.encode(execution.startedAt, forKey: .startedAt)
        try container.encode(execution.finishedAt, forKey: .finishedAt)
        try container.encode(execution.durationMs, forKey: .durationMs)
        try container.encode(execution.error, forKey: .error)
        try container.encode(execution.result, forKey: .result)
        try container.encode(execution.instanceId, forKey: .instanceId)
        try container.encode(execution.createdAt, forKey: .createdAt)
        try container.encode(execution.attempts.map(Attempt.init), forKey: .attempts)
    }
}

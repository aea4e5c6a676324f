import Foundation
import Hummingbird
import KairosCore
import KairosStore

/// A job as the API shows it: the fields of its ``JobSpec`` plus identity and scheduler state.
struct JobResource: Encodable {
    let job: Job

    private enum Keys: String, CodingKey {
        case id, nextRunAt, lastRunAt, lastStatus, createdAt, updatedAt, version, system, scheduleDescription
    }

    func encode(to encoder: any Encoder) throws {
        try job.spec.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(job.id, forKey: .id)
        try container.encode(job.nextRunAt, forKey: .nextRunAt)
        try container.encode(job.lastRunAt, forKey: .lastRunAt)
        try container.encode(job.lastStatus, forKey: .lastStatus)
        try container.encode(job.createdAt, forKey: .createdAt)
        try container.encode(job.updatedAt, forKey: .updatedAt)
        try container.encode(job.version, forKey: .version)
        try container.encode(job.system, forKey: .system)
        try container.encode(job.spec.schedule.humanDescription, forKey: .scheduleDescription)
    }
}

/// One execution as the API shows it.
struct ExecutionResource: Encodable {
    let execution: Execution

    private enum Keys: String, CodingKey {
        case id, jobId, jobKey, trigger, status, scheduledAt, runAfter, priority, attempt, startedAt, finishedAt
        case durationMs, error, result, instanceId, createdAt
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
    }
}

/// `{"items": [...], "nextCursor": "…" or null}` (SPEC §3).
struct ListResource<Item: Encodable>: Encodable {
    var items: [Item]
    var nextCursor: String?

    private enum Keys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

extension JobSpec {
    /// Decodes a job from a JSON value, reporting every invalid field (422).
    static func from(json: JSONValue) throws -> JobSpec {
        guard case .object = json else {
            throw APIError(.validationFailed, "a job must be a JSON object, got \(json.typeName)",
                issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
        }
        let data = try JSONCoding.encoder.encode(json)
        do {
            return try JSONCoding.decoder.decode(JobSpec.self, from: data)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw APIError(.validationFailed, "invalid job: \(Request.describe(error))")
        }
    }

    /// The spec as a JSON value (for merge patches).
    var jsonValue: JSONValue {
        get throws { try JSONCoding.decoder.decode(JSONValue.self, from: JSONCoding.encoder.encode(self)) }
    }
}

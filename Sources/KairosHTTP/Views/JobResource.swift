import Foundation
import Hummingbird
import Synchronization
import KairosCore
import KairosStore

/// Writes jobs as the API shows them: the fields of the ``JobSpec`` plus `id`, `nextRunAt`,
/// `lastRunAt`, `lastStatus`, `createdAt`, `updatedAt`, `version`, `system` and
/// `scheduleDescription`. Everything but the three fields the scheduler changes depends only
/// on the job's version, so it is encoded once per job and version and kept, with the last
/// `nextRunAt` and `lastRunAt` written (Foundation's encoder of the whole job took 16 % of the
/// CPU of `GET /jobs/{id}` under wrk, formatting the four dates 3 %; docs/PERFORMANCE.md).
final class JobJSONWriter: Sendable {
    private struct Entry {
        var version: Int
        /// From the opening brace to `id`: the spec's fields, `scheduleDescription`, `id`.
        var head: String
        /// From `createdAt` to the closing brace.
        var tail: String
        var nextRunAt: FormattedDate
        var lastRunAt: FormattedDate
    }

    private struct FormattedDate {
        var date: Date?
        var json: String

        init(_ date: Date?) {
            self.date = date
            json = date.map { "\"" + Timestamp.formatPrecise($0) + "\"" } ?? "null"
        }
    }

    private let cache = Mutex<[UUID: Entry]>([:])
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func json(_ job: Job) throws -> String {
        let entry = try entry(for: job)
        var out = entry.head
        out += ",\"nextRunAt\":" + entry.nextRunAt.json
        out += ",\"lastRunAt\":" + entry.lastRunAt.json
        out += ",\"lastStatus\":" + (job.lastStatus.map { "\"\($0.rawValue)\"" } ?? "null")
        out += entry.tail
        return out
    }

    /// `{"items": [...], "nextCursor": …}`.
    func json(_ page: Page<Job>) throws -> String {
        "{\"items\":[" + (try page.items.map(json).joined(separator: ",")) + "],\"nextCursor\":"
            + (page.nextCursor.map(JSONValue.quote) ?? "null") + "}"
    }

    private func entry(for job: Job) throws -> Entry {
        if var entry = cache.withLock({ $0[job.id] }), entry.version == job.version {
            guard entry.nextRunAt.date != job.nextRunAt || entry.lastRunAt.date != job.lastRunAt else { return entry }
            if entry.nextRunAt.date != job.nextRunAt { entry.nextRunAt = FormattedDate(job.nextRunAt) }
            if entry.lastRunAt.date != job.lastRunAt { entry.lastRunAt = FormattedDate(job.lastRunAt) }
            store(entry, for: job.id)
            return entry
        }
        var spec = String(decoding: try JSONCoding.encoder.encode(job.spec), as: UTF8.self)
        spec.removeLast()  // the closing brace of the spec's object
        let entry = Entry(
            version: job.version,
            head: spec + ",\"scheduleDescription\":" + JSONValue.quote(job.spec.schedule.humanDescription) + ",\"id\":\"\(job.id.uuidString)\"",
            tail: ",\"createdAt\":" + FormattedDate(job.createdAt).json + ",\"updatedAt\":" + FormattedDate(job.updatedAt).json
                + ",\"version\":\(job.version),\"system\":\(job.system)}",
            nextRunAt: FormattedDate(job.nextRunAt), lastRunAt: FormattedDate(job.lastRunAt))
        store(entry, for: job.id)
        return entry
    }

    private func store(_ entry: Entry, for id: UUID) {
        cache.withLock { cache in
            if cache.count >= capacity, cache[id] == nil { cache.removeAll(keepingCapacity: true) }
            cache[id] = entry
        }
    }
}

extension Response {
    /// A job (or a page of jobs) as JSON.
    static func job(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
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

/// `{"items": [...], "nextCursor": "…" or null}` (docs/API.md, pagination).
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

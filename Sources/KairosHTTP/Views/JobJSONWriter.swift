import Foundation
import Hummingbird
import KairosCore
import KairosStore

/// Writes jobs as the API shows them: the fields of the ``JobSpec`` plus `id`, `nextRunAt`
/// (``Job/shownNextRunAt``), `lastRunAt`, `lastStatus`, `createdAt`, `updatedAt`, `version`,
/// `system` and `scheduleDescription`. Everything but the three fields the scheduler changes depends only
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

    private let cache = Locked<[UUID: Entry]>([:])
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
            guard entry.nextRunAt.date != job.shownNextRunAt || entry.lastRunAt.date != job.lastRunAt else { return entry }
            if entry.nextRunAt.date != job.shownNextRunAt { entry.nextRunAt = FormattedDate(job.shownNextRunAt) }
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
            nextRunAt: FormattedDate(job.shownNextRunAt), lastRunAt: FormattedDate(job.lastRunAt))
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

import Foundation
import KairosCore

/// A job's spec as a driver stores it: plain columns, and the schedule, arguments and retry
/// policy as JSON texts.
package struct StoredSpec {
    package var key: String
    package var name: String
    package var description: String
    package var task: String
    package var args: String
    package var schedule: String
    package var priority: Int
    package var maxInstances: Int
    package var misfireGraceTime: Int
    package var coalesce: Bool
    package var retry: String
    package var timeout: Double?
    package var enabled: Bool
    package var paused: Bool

    package init(
        key: String, name: String, description: String, task: String, args: String, schedule: String, priority: Int, maxInstances: Int,
        misfireGraceTime: Int, coalesce: Bool, retry: String, timeout: Double?, enabled: Bool, paused: Bool
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.task = task
        self.args = args
        self.schedule = schedule
        self.priority = priority
        self.maxInstances = maxInstances
        self.misfireGraceTime = misfireGraceTime
        self.coalesce = coalesce
        self.retry = retry
        self.timeout = timeout
        self.enabled = enabled
        self.paused = paused
    }
}

/// Decoded specs by job id and version (a spec only changes with a version bump), so that
/// claims of thousands of executions do not decode the same JSON again; one per driver handle.
/// Emptied when full: 20,000 specs (about 10 scheduler batches) keep the memory bounded with a
/// million jobs, where 200,000 took more than the whole process should. Below it, the JSON
/// texts many jobs share are decoded once per process (``StoredTextCache``).
package final class StoredSpecs: Sendable {
    private let cache = Locked<[UUID: (version: Int, spec: JobSpec)]>([:])
    private let limit: Int

    package init(limit: Int = 20_000) {
        self.limit = limit
    }

    static let schedules = StoredTextCache<Schedule>(limit: 4_096)
    static let args = StoredTextCache<JSONValue>(limit: 4_096)
    static let retries = StoredTextCache<RetryPolicy>(limit: 1_024)

    /// The spec of job `id` at `version`: the cached one, else decoded from `columns()`. A spec
    /// that cannot be decoded is `unavailable`, naming `database` (e.g. "SQLite database at
    /// 'kairos.db'") and the job.
    package func spec(id: UUID, version: Int, in database: String, columns: () throws -> StoredSpec) throws -> JobSpec {
        if let cached = cache.withLock({ cache -> JobSpec? in
            guard let entry = cache[id], entry.version == version else { return nil }
            return entry.spec
        }) {
            return cached
        }
        let spec: JobSpec
        do {
            let stored = try columns()
            // Stored specs are not validated again: a job saved under older, looser rules
            // stays readable (the schedule and retry policy still decode strictly).
            var decoded = try JobSpec(
                key: "stored", task: "stored",
                schedule: try Self.schedules.value(for: stored.schedule) { try JSONText.decode(Schedule.self, $0) })
            decoded.key = stored.key
            decoded.name = stored.name
            decoded.description = stored.description
            decoded.task = stored.task
            decoded.args = try Self.args.value(for: stored.args) { try JSONText.decode(JSONValue.self, $0) }
            decoded.priority = stored.priority
            decoded.maxInstances = stored.maxInstances
            decoded.misfireGraceTime = stored.misfireGraceTime
            decoded.coalesce = stored.coalesce
            decoded.retry = try Self.retries.value(for: stored.retry) { try JSONText.decode(RetryPolicy.self, $0) }
            decoded.timeout = stored.timeout
            decoded.enabled = stored.enabled
            decoded.paused = stored.paused
            spec = decoded
        } catch {
            throw StoreError(.unavailable, "the \(database) holds job '\(id.uuidString)' that cannot be read: \(error)", jobId: id)
        }
        // Filled by reads only: a write may still roll back.
        cache.withLock { cache in
            if cache.count >= limit { cache.removeAll(keepingCapacity: true) }
            cache[id] = (version, spec)
        }
        return spec
    }
}

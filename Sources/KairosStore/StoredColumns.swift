import Foundation
import KairosCore

/// Instants as drivers store them: integer microseconds since 1970 (jitter gives fractional
/// seconds), rounded as cursors are (``HistoryCursor/micros(_:)``).
package enum Micros {
    package static func from(_ date: Date) -> Int64 { HistoryCursor.micros(date) }
    package static func optional(_ date: Date?) -> Int64? { date.map { from($0) } }
    package static func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
    package static func date(_ micros: Int64?) -> Date? { micros.map { date($0) } }
}

/// JSON columns as drivers store them (sorted keys, so equal values store equal texts).
package enum JSONText {
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    package static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// `executions.attempts`: the execution's earlier attempts as a JSON array, `NULL` while there
/// are none (most executions: written only when an attempt is retried). Instants are
/// microseconds since 1970, as in the other columns. One format for every driver.
package enum AttemptsColumn {
    private struct Stored: Codable {
        var attempt: Int
        var status: String
        var instanceId: String?
        var startedAt: Int64?
        var finishedAt: Int64?
        var durationMs: Int?
        var errorReason: String?
        var errorMessage: String?
        var result: String?
    }

    /// One attempt as a JSON object, to append in SQL.
    package static func encode(_ attempt: ExecutionAttempt) throws -> String {
        try JSONText.encode(stored(attempt))
    }

    package static func encode(_ attempts: [ExecutionAttempt]) throws -> String? {
        attempts.isEmpty ? nil : try JSONText.encode(attempts.map(stored))
    }

    /// The attempts in `text`; a text that cannot be read is `unavailable`, naming `database`
    /// (e.g. "SQLite database at 'kairos.db'") and the execution.
    package static func decode(_ text: String?, executionId: UUID, in database: String) throws -> [ExecutionAttempt] {
        guard let text else { return [] }
        do {
            return try JSONDecoder().decode([Stored].self, from: Data(text.utf8)).map { stored in
                ExecutionAttempt(
                    attempt: stored.attempt, status: ExecutionStatus(rawValue: stored.status) ?? .failed, instanceId: stored.instanceId,
                    startedAt: Micros.date(stored.startedAt), finishedAt: Micros.date(stored.finishedAt), durationMs: stored.durationMs,
                    error: stored.errorReason.map { ExecutionError(reason: $0, message: stored.errorMessage ?? "") }, result: stored.result)
            }
        } catch {
            throw StoreError(
                .unavailable, "the \(database) holds attempts of execution \(executionId.uuidString) that cannot be read: \(error)",
                executionId: executionId)
        }
    }

    private static func stored(_ attempt: ExecutionAttempt) -> Stored {
        Stored(
            attempt: attempt.attempt, status: attempt.status.rawValue, instanceId: attempt.instanceId, startedAt: Micros.optional(attempt.startedAt),
            finishedAt: Micros.optional(attempt.finishedAt), durationMs: attempt.durationMs, errorReason: attempt.error?.reason,
            errorMessage: attempt.error?.message, result: attempt.result)
    }
}

/// The stored JSON of values a batch of jobs shares (one retry policy, a few schedules): each
/// distinct value is encoded once, up to ``limit`` of them.
struct TextMemo<Value: Hashable & Encodable> {
    static var limit: Int { 4_096 }
    private var texts: [Value: String] = [:]

    init() {}

    mutating func text(_ value: Value) throws -> String {
        if let text = texts[value] { return text }
        let text = try JSONText.encode(value)
        if texts.count < Self.limit { texts[value] = text }
        return text
    }
}

/// A job's JSON columns, encoded.
package struct JobTexts: Sendable {
    package var args: String
    package var schedule: String
    package var retry: String

    package init(args: String, schedule: String, retry: String) {
        self.args = args
        self.schedule = schedule
        self.retry = retry
    }
}

/// New jobs to store in one batch (``JobRepository/createJobs(_:now:)``): each made as
/// `createJob` makes it (validated, its first fire computed), no key twice (`keyConflict`),
/// and the JSON columns of each encoded, a value the batch shares once.
package struct NewJobBatch: Sendable {
    package private(set) var jobs: [Job] = []
    package private(set) var texts: [JobTexts] = []

    package init(_ specs: [JobSpec], now: Date) throws {
        var keys = Set<String>()
        var args = TextMemo<JSONValue>()
        var schedules = TextMemo<Schedule>()
        var retries = TextMemo<RetryPolicy>()
        jobs.reserveCapacity(specs.count)
        texts.reserveCapacity(specs.count)
        for spec in specs {
            let job = try Job.created(spec, system: false, now: now)
            guard keys.insert(spec.key).inserted else { throw Job.keyConflict(spec.key) }
            jobs.append(job)
            texts.append(
                JobTexts(args: try args.text(job.spec.args), schedule: try schedules.text(job.spec.schedule), retry: try retries.text(job.spec.retry)))
        }
    }
}

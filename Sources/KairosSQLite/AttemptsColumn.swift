import Foundation
import KairosCore
import KairosStore

/// `executions.attempts` (migration v9): the execution's earlier attempts as a JSON array,
/// `NULL` while there are none (most executions: written only when an attempt is retried).
/// Instants are microseconds since 1970, as in the other columns.
enum AttemptsColumn {
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

    /// One attempt as a JSON object, to append in SQL (`json_insert(…, '$[#]', json(?))`).
    static func encode(_ attempt: ExecutionAttempt) throws -> String {
        try JSONText.encode(stored(attempt))
    }

    static func encode(_ attempts: [ExecutionAttempt]) throws -> String? {
        attempts.isEmpty ? nil : try JSONText.encode(attempts.map(stored))
    }

    static func decode(_ text: String?, path: String, executionId: UUID) throws -> [ExecutionAttempt] {
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
                .unavailable, "the SQLite database at '\(path)' holds attempts of execution \(executionId.uuidString) that cannot be read: \(error)",
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

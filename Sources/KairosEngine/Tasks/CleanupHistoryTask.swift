import Foundation
import KairosCore
import KairosStore

/// `system.cleanup-history`: deletes finished executions older than `retentionDays` (1–3650,
/// default 30), `batchSize` rows at a time (1–100000, default 1000), checking for cancellation
/// between batches. The server runs it as a system job (docs/STORE.md, retention).
///
/// ```json
/// {"task": "system.cleanup-history", "args": {"retentionDays": 14}}
/// ```
public struct CleanupHistoryTask: KairosTask {
    public let name = "system.cleanup-history"
    /// No run deletes more than this many batches (a bound, not an expected count).
    public static let maxBatches = 100_000

    let history: any ExecutionHistory
    let now: @Sendable () -> Date

    public init(history: any ExecutionHistory, now: @escaping @Sendable () -> Date = { Date() }) {
        self.history = history
        self.now = now
    }

    struct Arguments: Equatable {
        var retentionDays = 30
        var batchSize = 1000
    }

    static func parse(_ args: JSONValue) throws(ValidationError) -> Arguments {
        var check = ArgumentChecker(args, known: ["retentionDays", "batchSize"])
        var arguments = Arguments()
        if let days = check.integer("retentionDays", in: 1...3650) { arguments.retentionDays = days }
        if let size = check.integer("batchSize", in: 1...100_000) { arguments.batchSize = size }
        try check.finish()
        return arguments
    }

    public func validate(args: JSONValue) throws(ValidationError) {
        _ = try Self.parse(args)
    }

    public func run(args: JSONValue, context: TaskContext) async throws -> String? {
        let arguments: Arguments
        do { arguments = try Self.parse(args) } catch { throw invalidArguments(error, task: name) }
        let cutoff = now().addingTimeInterval(-Double(arguments.retentionDays) * 86_400)
        var deleted = 0
        for _ in 0..<Self.maxBatches {
            try Task.checkCancellation()
            let count = try await history.deleteHistory(finishedBefore: cutoff, limit: arguments.batchSize)
            deleted += count
            if count < arguments.batchSize { break }
        }
        context.logger.info("history cleanup done", metadata: ["deleted": "\(deleted)", "retentionDays": "\(arguments.retentionDays)"])
        return "deleted \(deleted) executions older than \(arguments.retentionDays) days"
    }
}

extension CleanupHistoryTask {
    public var summary: String { "Deletes finished executions older than the retention, in batches." }

    public var argumentSchema: JSONValue {
        [
            "type": "object", "additionalProperties": false,
            "properties": [
                "retentionDays": ["type": "integer", "minimum": 1, "maximum": 3650, "default": 30],
                "batchSize": ["type": "integer", "minimum": 1, "maximum": 100_000, "default": 1000],
            ],
        ]
    }
}

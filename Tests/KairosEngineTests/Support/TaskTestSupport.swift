import AsyncHTTPClient
import Foundation
import KairosCore
import KairosSQLite
import Logging

@testable import KairosEngine

extension TaskContext {
    /// A context for running a task directly, outside an engine.
    static func forTest(jobKey: String = "test-job") -> TaskContext {
        var logger = Logger(label: "kairos-task-test")
        logger.logLevel = .critical
        return TaskContext(jobId: UUID(), jobKey: jobKey, executionId: UUID(), attempt: 1, scheduledAt: Date(), logger: logger)
    }
}

/// The issues `body` throws, as (field, code) pairs; empty when it does not throw.
func validationIssues(_ body: () throws(ValidationError) -> Void) -> [FieldIssue] {
    do {
        try body()
        return []
    } catch {
        return error.issues
    }
}

/// Runs `body` with the built-in registry on a fresh SQLite store (the history the cleanup task uses).
func withBuiltInRegistry<T>(allowShellTasks: Bool = false, _ body: (TaskRegistry, SQLiteJobStore) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-tasks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteJobStore(path: directory.appendingPathComponent("tasks.db").path)
    let registry = TaskRegistry.builtIn(httpClient: HTTPRequestTask.defaultClient, history: store, allowShellTasks: allowShellTasks)
    return try await body(registry, store)
}

/// How long `body` took, in seconds.
func secondsElapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

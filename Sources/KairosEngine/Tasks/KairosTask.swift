import Foundation
import KairosCore
import Logging

/// What a running task knows about the execution it serves.
public struct TaskContext: Sendable {
    public var jobId: UUID
    public var jobKey: String
    public var executionId: UUID
    public var attempt: Int
    public var scheduledAt: Date
    public var logger: Logger

    public init(jobId: UUID, jobKey: String, executionId: UUID, attempt: Int, scheduledAt: Date, logger: Logger) {
        self.jobId = jobId
        self.jobKey = jobKey
        self.executionId = executionId
        self.attempt = attempt
        self.scheduledAt = scheduledAt
        self.logger = logger
    }
}

/// A task's failure with a reason, a message and an optional result summary (for example
/// `HTTP 503` or `exit 2`). Any other error thrown by a task is recorded with reason `exception`.
public struct TaskFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var message: String
    public var result: String?

    public init(reason: String = ExecutionError.exception, message: String, result: String? = nil) {
        self.reason = reason
        self.message = message
        self.result = result
    }

    public var description: String { message }
}

/// A named unit of code a job runs (README.md, built-in tasks).
///
/// `validate` runs before a job is saved: it reports every bad argument as a ``FieldIssue``
/// whose field is relative to `args` (`url`, `headers.Accept`). `run` returns a short result
/// summary or throws; it must honour task cancellation (timeouts and shutdown cancel it).
///
/// ```swift
/// struct Greet: KairosTask {
///     let name = "demo.greet"
///     func validate(args: JSONValue) throws(ValidationError) {}
///     func run(args: JSONValue, context: TaskContext) async throws -> String? { "hello" }
/// }
/// ```
public protocol KairosTask: Sendable {
    var name: String { get }
    /// One line on what the task does (`GET /scheduler/tasks`, the dashboard).
    var summary: String { get }
    /// A JSON Schema of `args`, for clients and forms; ``validate(args:)`` stays the authority.
    var argumentSchema: JSONValue { get }
    func validate(args: JSONValue) throws(ValidationError)
    func run(args: JSONValue, context: TaskContext) async throws -> String?
    /// Whether an attempt's start is written to the store before the task runs (`false` by
    /// default: starts are written in batches, after the attempts have begun). `true` for a
    /// task whose effects reach outside (a request sent, a program run): should its instance
    /// die at once, the store then knows the attempt ran (failed `worker lost`, retried only as
    /// the job allows) instead of taking it for a claim that never started and releasing it to
    /// run again as the same attempt. Costs each attempt a write and a read before it runs (the
    /// read checks that the claim is still this instance's).
    var recordsStartBeforeRunning: Bool { get }
}

extension KairosTask {
    public var summary: String { "" }
    public var argumentSchema: JSONValue { ["type": "object"] }
    public var recordsStartBeforeRunning: Bool { false }
}

import Foundation

/// Where an execution is in its lifecycle (docs/STORE.md): `queued → running → succeeded | failed`,
/// plus `cancelled` and `missed`. A failed attempt with retries left goes back to `queued`.
public enum ExecutionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, missed

    /// Whether the execution is over (no attempt will run any more).
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .cancelled, .missed: true
        }
    }
}

/// What caused an execution.
public enum ExecutionTrigger: String, Sendable, Hashable, Codable {
    case scheduled, manual
}

/// Why an attempt failed: a machine-readable reason and a message for people.
public struct ExecutionError: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public var reason: String
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public static let exception = "exception"
    public static let timeout = "timeout"
    public static let workerLost = "worker lost"
    public static let cancelled = "cancelled"
    public static let shutdown = "shutdown"
    /// A scheduled fire recorded `missed` because it waited in the queue beyond its misfire grace.
    public static let misfire = "misfire"

    public var description: String { "\(reason): \(message)" }
}

/// One attempt of an execution, as it ran: on which instance, when, and how it ended. An
/// execution keeps those of its attempts that were followed by another (a retry) in
/// ``Execution/earlierAttempts``, as Oban keeps each attempt's error; its own fields describe
/// its latest attempt.
public struct ExecutionAttempt: Sendable, Hashable, Codable {
    public var attempt: Int
    public var status: ExecutionStatus
    public var instanceId: String?
    /// `nil` only for a running attempt whose start is not recorded yet.
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int?
    public var error: ExecutionError?
    public var result: String?

    public init(
        attempt: Int, status: ExecutionStatus, instanceId: String?, startedAt: Date?, finishedAt: Date?, durationMs: Int?,
        error: ExecutionError?, result: String?
    ) {
        self.attempt = attempt
        self.status = status
        self.instanceId = instanceId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.error = error
        self.result = result
    }
}

/// One run of a job (docs/API.md, routes): caused by a scheduled fire or a manual trigger;
/// retries of the same run increment `attempt` on the same execution, and the attempts before
/// the latest are kept in ``earlierAttempts``.
public struct Execution: Sendable, Hashable, Identifiable {
    public var id: UUID
    public var jobId: UUID
    public var jobKey: String
    public var trigger: ExecutionTrigger
    public var status: ExecutionStatus
    /// The nominal fire time (for manual runs, the request time): with `jobId`, the
    /// execution's identity — at most one execution per job and scheduled time.
    public var scheduledAt: Date
    /// The earliest start of the next attempt (jitter, retry backoff).
    public var runAfter: Date
    public var priority: Int
    public var attempt: Int
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int?
    public var error: ExecutionError?
    /// A short summary written by the task (HTTP status, exit code …).
    public var result: String?
    /// The instance that ran (or runs) the latest attempt.
    public var instanceId: String?
    /// Until when the running attempt's instance holds it; after that it may be reaped.
    public var leaseExpiresAt: Date?
    /// A scheduled fire still waiting (queued) after this instant is recorded `missed`, not run
    /// late: its `runAfter` plus the job's `misfireGraceTime`. `nil` for manual runs and retries.
    public var missAfter: Date?
    public var createdAt: Date
    /// The attempts before the latest one, oldest first (each one failed and was retried).
    public var earlierAttempts: [ExecutionAttempt]

    public init(
        id: UUID = RandomID.make(), jobId: UUID, jobKey: String, trigger: ExecutionTrigger, status: ExecutionStatus,
        scheduledAt: Date, runAfter: Date, priority: Int = 0, attempt: Int = 1, startedAt: Date? = nil,
        finishedAt: Date? = nil, durationMs: Int? = nil, error: ExecutionError? = nil, result: String? = nil,
        instanceId: String? = nil, leaseExpiresAt: Date? = nil, missAfter: Date? = nil, createdAt: Date,
        earlierAttempts: [ExecutionAttempt] = []
    ) {
        self.id = id
        self.jobId = jobId
        self.jobKey = jobKey
        self.trigger = trigger
        self.status = status
        self.scheduledAt = scheduledAt
        self.runAfter = runAfter
        self.priority = priority
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.error = error
        self.result = result
        self.instanceId = instanceId
        self.leaseExpiresAt = leaseExpiresAt
        self.missAfter = missAfter
        self.createdAt = createdAt
        self.earlierAttempts = earlierAttempts
    }

    /// Every attempt that ran or runs, oldest first: the earlier ones, then the latest unless
    /// it has not started (queued, or over before it ran: cancelled, missed).
    public var attempts: [ExecutionAttempt] {
        let latestRan = status == .running || (status.isFinal && startedAt != nil)
        guard latestRan else { return earlierAttempts }
        return earlierAttempts + [
            ExecutionAttempt(
                attempt: attempt, status: status, instanceId: instanceId, startedAt: startedAt, finishedAt: finishedAt, durationMs: durationMs,
                error: error, result: result)
        ]
    }
}

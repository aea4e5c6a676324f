import Foundation
import KairosCore

/// What each change to an execution means, decided once for every driver.
extension Execution {
    /// This queued execution (or new fire) claimed by a worker of `instanceId`: running, leased
    /// until `leaseUntil`, the fields of its latest attempt cleared (timings, error, result: the
    /// attempt has not started; a retried one is in ``Execution/earlierAttempts``).
    public func claimed(by instanceId: String, leaseUntil: Date) -> Execution {
        var execution = self
        execution.status = .running
        execution.instanceId = instanceId
        execution.leaseExpiresAt = leaseUntil
        execution.startedAt = nil
        execution.finishedAt = nil
        execution.durationMs = nil
        execution.error = nil
        execution.result = nil
        return execution
    }

    /// Whether this queued execution may still start at `now`: a waiting scheduled fire past
    /// its ``missAfter`` is recorded missed instead (``WaitingFires``).
    public func isStartable(at now: Date) -> Bool {
        missAfter.map { now <= $0 } ?? true
    }

    /// The reaper's decision for a running attempt whose lease expired at `now` (its instance
    /// died or stalled). An attempt that never started is released: queued again at its
    /// `runAfter`, the attempt not counted (its misfire grace still applies). A started one
    /// failed with reason `worker lost`, and is queued for another attempt when the job's retry
    /// policy allows (`nil` job: deleted meanwhile, no retry), after the policy's delay for
    /// `jitterFraction` (``RetryPolicy/delay(afterFailedAttempt:jitterFraction:)``).
    public func reaped(job: Job?, now: Date, jitterFraction: Double) -> Execution {
        var execution = self
        execution.leaseExpiresAt = nil
        let owner = instanceId ?? "unknown"
        guard startedAt != nil else {
            execution.instanceId = nil
            if let job, !job.deleted {
                execution.status = .queued
            } else {
                execution.status = .cancelled
                execution.finishedAt = now
                execution.error = ExecutionError(reason: ExecutionError.cancelled, message: "the job was deleted before attempt \(attempt) started")
            }
            return execution
        }
        execution.error = ExecutionError(
            reason: ExecutionError.workerLost, message: "instance '\(owner)' stopped renewing the lease of attempt \(attempt)")
        execution.finishedAt = now
        if let job, !job.deleted, let delay = job.spec.retry.delay(afterFailedAttempt: attempt, jitterFraction: jitterFraction) {
            execution.earlierAttempts.append(
                ExecutionAttempt(
                    attempt: attempt, status: .failed, instanceId: instanceId, startedAt: startedAt, finishedAt: now,
                    durationMs: startedAt.map { Self.milliseconds(from: $0, to: now) }, error: execution.error, result: result))
            execution.status = .queued
            execution.runAfter = now.addingTimeInterval(delay)
            execution.attempt += 1
            execution.instanceId = nil
            execution.missAfter = nil
        } else {
            execution.status = .failed
        }
        return execution
    }

    /// This execution cancelled at `now` by a user. A running attempt keeps its instance and
    /// lease until its worker learns of it (heartbeat) and reports back. Throws `invalidState`
    /// when it is already over.
    public func cancelled(now: Date) throws -> Execution {
        guard !status.isFinal else {
            throw StoreError(
                .invalidState, "execution \(id.uuidString) of job '\(jobKey)' is already \(status.rawValue)",
                jobId: jobId, jobKey: jobKey, executionId: id)
        }
        var execution = self
        execution.error = ExecutionError(
            reason: ExecutionError.cancelled, message: status == .running ? "cancelled while running" : "cancelled before it ran")
        execution.status = .cancelled
        execution.finishedAt = now
        // Until the worker reports when the attempt really stopped (``acknowledged(_:)``).
        execution.durationMs = startedAt.map { Self.milliseconds(from: $0, to: now) }
        return execution
    }

    /// This execution, cancelled while `completion`'s attempt ran on that instance, with the
    /// attempt's own timing (started, stopped, duration) and result, its lease dropped so that
    /// heartbeats stop reporting the cancel; `nil` when `completion` is not for that attempt.
    /// A claim that never started (`released`) only drops the lease: it has no timing.
    public func acknowledged(_ completion: Completion) -> Execution? {
        guard status == .cancelled, instanceId == completion.instanceId, attempt == completion.attempt else { return nil }
        var execution = self
        execution.leaseExpiresAt = nil
        switch completion.outcome {
        case .succeeded(let result), .failed(_, let result, _):
            execution.startedAt = completion.startedAt
            execution.finishedAt = completion.finishedAt
            execution.durationMs = completion.durationMs
            execution.result = result
        case .released:
            break
        }
        return execution
    }

    /// This execution with `start` recorded, or `nil` when `start` is not for its current attempt
    /// on that instance (reaped or cancelled meanwhile).
    public func started(_ start: AttemptStart) -> Execution? {
        guard status == .running, instanceId == start.instanceId, attempt == start.attempt else { return nil }
        var execution = self
        execution.startedAt = start.startedAt
        return execution
    }

    /// This execution with `completion` applied, or `nil` when the completion is not for its
    /// current attempt on that instance (the execution was reaped or cancelled meanwhile: the
    /// outcome is ignored).
    public func completed(_ completion: Completion) -> Execution? {
        guard status == .running, instanceId == completion.instanceId, attempt == completion.attempt else { return nil }
        var execution = self
        switch completion.outcome {
        case .succeeded(let result), .failed(_, let result, _):
            execution.startedAt = completion.startedAt
            execution.finishedAt = completion.finishedAt
            execution.durationMs = completion.durationMs
            execution.result = result
            execution.leaseExpiresAt = nil
        case .released:
            break
        }
        switch completion.outcome {
        case .succeeded:
            execution.status = .succeeded
            execution.error = nil
        case .failed(let error, let result, let retryAt?):
            execution.earlierAttempts.append(ExecutionAttempt(retried: completion, error: error, result: result))
            execution.status = .queued
            execution.error = error
            execution.runAfter = retryAt
            execution.attempt += 1
            execution.instanceId = nil
            execution.missAfter = nil
        case .failed(let error, _, nil):
            execution.status = .failed
            execution.error = error
        case .released(let runAfter):
            execution.status = .queued
            execution.runAfter = runAfter
            execution.instanceId = nil
            execution.leaseExpiresAt = nil
        }
        return execution
    }
}

/// The start of an attempt, recorded by the worker that runs it (in batches, shortly after):
/// the execution's `startedAt` while it runs, and what tells the reaper a started attempt
/// (failed `worker lost`) from a claim that never started (released).
public struct AttemptStart: Sendable, Hashable {
    public var executionId: UUID
    public var instanceId: String
    public var attempt: Int
    public var startedAt: Date

    public init(executionId: UUID, instanceId: String, attempt: Int, startedAt: Date) {
        self.executionId = executionId
        self.instanceId = instanceId
        self.attempt = attempt
        self.startedAt = startedAt
    }
}

/// Scheduled fires that wait in the queue (behind `maxInstances` or busy workers) are bounded by
/// their misfire grace (Sources/KairosEngine/Maintenance/README.md): one still waiting after its
/// ``Execution/missAfter`` is recorded `missed`, and with `coalesce` a job's waiting fires collapse
/// into the newest one.
public enum WaitingFires {
    /// A fire waiting in the queue and whether its job coalesces.
    public struct Waiting: Sendable, Hashable {
        public var execution: Execution
        public var coalesce: Bool

        public init(execution: Execution, coalesce: Bool) {
            self.execution = execution
            self.coalesce = coalesce
        }
    }

    /// The waiting fires to record `missed` at `now`, as they are to be stored. `waiting` holds
    /// queued scheduled executions with a ``Execution/missAfter``.
    public static func missed(_ waiting: [Waiting], now: Date) -> [Execution] {
        var newest: [UUID: Date] = [:]
        for fire in waiting where fire.coalesce && fire.execution.isStartable(at: now) {
            newest[fire.execution.jobId] = max(newest[fire.execution.jobId] ?? .distantPast, fire.execution.scheduledAt)
        }
        return waiting.compactMap { fire in
            var execution = fire.execution
            guard execution.status == .queued, let missAfter = execution.missAfter else { return nil }
            let message: String
            if now > missAfter {
                message = "still waiting \(Self.seconds(now.timeIntervalSince(execution.runAfter))) after its fire time, beyond the misfire grace"
            } else if let kept = newest[execution.jobId], kept > execution.scheduledAt {
                message = "coalesced into the newer fire at \(Timestamp.format(kept))"
            } else {
                return nil
            }
            execution.status = .missed
            execution.finishedAt = now
            execution.error = ExecutionError(reason: ExecutionError.misfire, message: message)
            return execution
        }
    }

    private static func seconds(_ interval: TimeInterval) -> String {
        interval < 10 ? String(format: "%.1f s", interval) : "\(Int(interval.rounded())) s"
    }
}

extension Execution {
    static func milliseconds(from start: Date, to end: Date) -> Int {
        max(0, Int((end.timeIntervalSince(start) * 1000).rounded()))
    }
}

extension Completion {
    /// The attempt's duration in whole milliseconds, as executions record it.
    public var durationMs: Int { Execution.milliseconds(from: startedAt, to: finishedAt) }
}

extension ExecutionAttempt {
    /// The record a failed attempt leaves on its execution when it is retried
    /// (``Execution/completed(_:)``; a driver that applies completions in SQL stores this).
    public init(retried completion: Completion, error: ExecutionError, result: String?) {
        self.init(
            attempt: completion.attempt, status: .failed, instanceId: completion.instanceId, startedAt: completion.startedAt,
            finishedAt: completion.finishedAt, durationMs: completion.durationMs,
            error: error, result: result)
    }
}

import Foundation
import KairosCore
import KairosStore
import KairosTestSupport
import Synchronization

/// A store that tells when it was written to, so that a test waits for the engine to write
/// (the worker pool records starts and outcomes in batches, after their events) instead of
/// polling: ``until(_:within:_:)`` looks again after each write.
final class WatchedStore: JobStore {
    let base: any JobStore
    private let state = Locked<(writes: Int, waiters: [UUID: CheckedContinuation<Void, any Error>])>((0, [:]))

    init(_ base: any JobStore) {
        self.base = base
    }

    /// Waits until `condition` holds for the store, evaluating it now and after every write, at
    /// most `seconds` of real time (then throws ``WaitTimeout``).
    func until(_ what: String, within seconds: Double = 30, _ condition: @escaping @Sendable (any JobStore) async throws -> Bool) async throws {
        try await withDeadline(seconds, { "the store to show \(what)" }) {
            while true {
                let seen = self.state.withLock { $0.writes }
                if try await condition(self.base) { return }
                try await self.write(after: seen)
            }
        }
    }

    /// Returns once the store has been written to more than `seen` times.
    private func write(after seen: Int) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { state -> Result<Void, any Error>? in
                    if state.writes > seen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func written<T>(_ operation: () async throws -> T) async rethrows -> T {
        defer {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                state.writes += 1
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }
        return try await operation()
    }

    // MARK: JobRepository

    func createJob(_ spec: JobSpec, now: Date) async throws -> Job { try await written { try await base.createJob(spec, now: now) } }
    func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job] { try await written { try await base.createJobs(specs, now: now) } }
    func upsertJob(_ spec: JobSpec, system: Bool, now: Date) async throws -> (job: Job, created: Bool) {
        try await written { try await base.upsertJob(spec, system: system, now: now) }
    }
    func job(id: UUID) async throws -> Job? { try await base.job(id: id) }
    func job(key: String) async throws -> Job? { try await base.job(key: key) }
    func lastJob(key: String) async throws -> Job? { try await base.lastJob(key: key) }
    func listJobs(_ query: JobQuery) async throws -> Page<Job> { try await base.listJobs(query) }
    func replaceJob(id: UUID, with spec: JobSpec, expectedVersion: Int?, now: Date) async throws -> Job {
        try await written { try await base.replaceJob(id: id, with: spec, expectedVersion: expectedVersion, now: now) }
    }
    func deleteJob(id: UUID, expectedVersion: Int?, now: Date) async throws -> Job {
        try await written { try await base.deleteJob(id: id, expectedVersion: expectedVersion, now: now) }
    }
    func setPaused(id: UUID, _ paused: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try await written { try await base.setPaused(id: id, paused, expectedVersion: expectedVersion, now: now) }
    }
    func setEnabled(id: UUID, _ enabled: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try await written { try await base.setEnabled(id: id, enabled, expectedVersion: expectedVersion, now: now) }
    }
    func earliestNextRun() async throws -> Date? { try await base.earliestNextRun() }
    func upcomingJobs(limit: Int) async throws -> [Job] { try await base.upcomingJobs(limit: limit) }
    func jobCounts() async throws -> [JobQuery.State: Int] { try await base.jobCounts() }

    // MARK: FireScheduling

    func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch {
        try await written { try await base.claimDueFires(now: now, horizon: horizon, limit: limit, localClaim: localClaim) }
    }
    func trigger(jobId: UUID, now: Date) async throws -> Execution { try await written { try await base.trigger(jobId: jobId, now: now) } }

    // MARK: ExecutionQueue

    func claimExecutions(instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedExecution] {
        try await written { try await base.claimExecutions(instanceId: instanceId, now: now, horizon: horizon, limit: limit, leaseUntil: leaseUntil) }
    }
    func recordStarts(_ starts: [AttemptStart]) async throws { try await written { try await base.recordStarts(starts) } }
    func earliestQueued(after: Date) async throws -> Date? { try await base.earliestQueued(after: after) }
    @discardableResult
    func complete(_ completions: [Completion], now: Date) async throws -> [UUID] {
        try await written { try await base.complete(completions, now: now) }
    }
    func cancel(executionId: UUID, now: Date) async throws -> Execution { try await written { try await base.cancel(executionId: executionId, now: now) } }
    func queueDepth(now: Date) async throws -> Int { try await base.queueDepth(now: now) }

    // MARK: InstanceRegistry

    func registerInstance(_ instance: InstanceInfo) async throws { try await written { try await base.registerInstance(instance) } }
    func heartbeat(instanceId: String, now: Date, leaseUntil: Date) async throws -> [UUID] {
        try await written { try await base.heartbeat(instanceId: instanceId, now: now, leaseUntil: leaseUntil) }
    }
    func markInstanceStopped(instanceId: String, now: Date) async throws {
        try await written { try await base.markInstanceStopped(instanceId: instanceId, now: now) }
    }
    func listInstances() async throws -> [InstanceInfo] { try await base.listInstances() }
    func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int, sparing: String?) async throws -> [Execution] {
        try await written { try await base.reapExpiredLeases(now: now, deadAfter: deadAfter, limit: limit, sparing: sparing) }
    }
    func recoverInstances(otherThan instanceId: String, now: Date) async throws -> [String] {
        try await written { try await base.recoverInstances(otherThan: instanceId, now: now) }
    }
    var isExclusive: Bool { base.isExclusive }

    // MARK: ExecutionHistory

    func execution(id: UUID) async throws -> Execution? { try await base.execution(id: id) }
    func history(_ query: HistoryQuery) async throws -> Page<Execution> { try await base.history(query) }
    func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]] { try await base.recentStatuses(query) }
    func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await written { try await base.deleteHistory(finishedBefore: cutoff, limit: limit) }
    }
    func executionCounts() async throws -> [ExecutionStatus: Int] { try await base.executionCounts() }

    // MARK: APIKeyStore

    func createAPIKey(_ key: APIKeyRecord) async throws { try await written { try await base.createAPIKey(key) } }
    func apiKey(hash: String) async throws -> APIKeyRecord? { try await base.apiKey(hash: hash) }
    func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] { try await base.listAPIKeys(includeRevoked: includeRevoked) }
    @discardableResult
    func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord { try await written { try await base.revokeAPIKey(id: id, now: now) } }
    func apiKeyCount() async throws -> Int { try await base.apiKeyCount() }
    func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool { try await written { try await base.createFirstAPIKey(key) } }

    // MARK: WebSessionStore

    func createWebSession(_ session: WebSessionRecord) async throws { try await written { try await base.createWebSession(session) } }
    func webSession(hash: String) async throws -> WebSessionRecord? { try await base.webSession(hash: hash) }
    func touchWebSession(hash: String, now: Date) async throws { try await written { try await base.touchWebSession(hash: hash, now: now) } }
    func deleteWebSession(hash: String) async throws { try await written { try await base.deleteWebSession(hash: hash) } }
    func deleteWebSessions(createdBefore: Date, seenBefore: Date, limit: Int) async throws -> Int {
        try await written { try await base.deleteWebSessions(createdBefore: createdBefore, seenBefore: seenBefore, limit: limit) }
    }

    // MARK: JobStore

    func appliedMigrations() async throws -> [String] { try await base.appliedMigrations() }
    func migrate() async throws -> [String] { try await written { try await base.migrate() } }
}

import Foundation
import KairosCore
import KairosStore

/// A complete job store in memory: the smallest correct implementation of ``JobStore``,
/// passing the same conformance suite as the SQLite driver. Nothing survives the process.
/// For tests (the engine's run on it with a manual clock) and for programs that embed Kairos
/// and want no file.
///
/// ```swift
/// let engine = KairosEngine(store: MemoryJobStore(), registry: tasks)
/// ```
///
/// Every operation runs under one lock, so each is atomic, as a database transaction is; the
/// lifecycle decisions come from KairosStore (`Job.replaced(with:now:)`, ``DueJobPlan``,
/// `Execution.reaped(job:now:jitterFraction:)` …), exactly as the SQL drivers use them.
public final class MemoryJobStore: JobStore, Sendable {
    let state = Locked(State())
    public let isExclusive: Bool

    /// A memory store lives in one process: with one engine on it, every other instance it
    /// records is dead (``isExclusive``, recovered at start). Pass `exclusive: false` to run
    /// several engines on one store (tests of many instances).
    public init(exclusive: Bool = true) {
        isExclusive = exclusive
    }

    /// A stored execution and its insertion order (ties in queue order, as a rowid breaks them).
    struct Row {
        var execution: Execution
        var sequence: Int
    }

    struct FireKey: Hashable {
        var jobId: UUID
        var micros: Int64
    }

    struct State {
        var jobs: [UUID: Job] = [:]
        var liveKeys: [String: UUID] = [:]
        var executions: [UUID: Row] = [:]
        var fires: Set<FireKey> = []
        var sequence = 0
        var instances: [String: InstanceInfo] = [:]
        var apiKeys: [UUID: APIKeyRecord] = [:]
        var webSessions: [String: WebSessionRecord] = [:]

        mutating func insert(_ execution: Execution) -> Bool {
            if execution.trigger == .scheduled {
                let key = FireKey(jobId: execution.jobId, micros: HistoryCursor.micros(execution.scheduledAt))
                guard fires.insert(key).inserted else { return false }
            }
            sequence += 1
            executions[execution.id] = Row(execution: execution, sequence: sequence)
            return true
        }

        func liveJob(id: UUID) -> Job? {
            jobs[id].flatMap { $0.deleted ? nil : $0 }
        }

        mutating func save(_ job: Job) throws {
            if let holder = liveKeys[job.key], holder != job.id, !job.deleted { throw Job.keyConflict(job.key, jobId: job.id) }
            if let previous = jobs[job.id], liveKeys[previous.key] == job.id { liveKeys[previous.key] = nil }
            jobs[job.id] = job
            if !job.deleted { liveKeys[job.key] = job.id }
        }

        /// A change left the job not runnable: forget its fires claimed ahead of their time.
        mutating func unclaimFiresAhead(of job: Job, now: Date) {
            guard !job.isRunnable else { return }
            for (id, row) in executions where job.losesFireAhead(row.execution, now: now) {
                executions[id] = nil
                fires.remove(FireKey(jobId: job.id, micros: HistoryCursor.micros(row.execution.scheduledAt)))
            }
        }

        func runningCounts() -> [UUID: Int] {
            var counts: [UUID: Int] = [:]
            for row in executions.values where row.execution.status == .running { counts[row.execution.jobId, default: 0] += 1 }
            return counts
        }

        /// Queued executions in claim order: priority, then `runAfter`, then scheduled time.
        func queued(runnableBy horizon: Date) -> [Row] {
            executions.values.filter { $0.execution.status == .queued && $0.execution.runAfter <= horizon }.sorted { a, b in
                let x = a.execution
                let y = b.execution
                if x.priority != y.priority { return x.priority > y.priority }
                if x.runAfter != y.runAfter { return x.runAfter < y.runAfter }
                if x.scheduledAt != y.scheduledAt { return x.scheduledAt < y.scheduledAt }
                return a.sequence < b.sequence
            }
        }

        mutating func finish(jobOf execution: Execution, lastRunAt: Date, status: ExecutionStatus) {
            guard var job = jobs[execution.jobId] else { return }
            job.lastRunAt = lastRunAt
            job.lastStatus = status
            jobs[job.id] = job
        }

        mutating func recordMissed(_ waiting: [WaitingFires.Waiting], now: Date) -> [Execution] {
            var recorded: [Execution] = []
            for execution in WaitingFires.missed(waiting, now: now) where executions[execution.id]?.execution.status == .queued {
                executions[execution.id]?.execution = execution
                recorded.append(execution)
            }
            return recorded
        }

        func waiting(_ execution: Execution) -> WaitingFires.Waiting {
            WaitingFires.Waiting(execution: execution, coalesce: jobs[execution.jobId]?.spec.coalesce ?? false)
        }
    }

    // MARK: - JobRepository

    public func createJob(_ spec: JobSpec, now: Date) async throws -> Job {
        let job = try Job.created(spec, system: false, now: now)
        return try state.withLock { state in
            guard state.liveKeys[job.key] == nil else { throw Job.keyConflict(job.key) }
            try state.save(job)
            return job
        }
    }

    public func createJobs(_ specs: [JobSpec], now: Date) async throws -> [Job] {
        let jobs = try specs.map { try Job.created($0, system: false, now: now) }
        return try state.withLock { state in
            var keys = Set<String>()
            for job in jobs where state.liveKeys[job.key] != nil || !keys.insert(job.key).inserted {
                throw Job.keyConflict(job.key)
            }
            for job in jobs { try state.save(job) }
            return jobs
        }
    }

    public func upsertJob(_ spec: JobSpec, system: Bool, now: Date) async throws -> (job: Job, created: Bool) {
        try spec.validate()
        return try state.withLock { state in
            guard let existing = state.liveKeys[spec.key].flatMap({ state.jobs[$0] }) else {
                let job = try Job.created(spec, system: system, now: now)
                try state.save(job)
                return (job, true)
            }
            guard let job = try existing.upserted(with: spec, system: system, now: now) else { return (existing, false) }
            try state.save(job)
            state.unclaimFiresAhead(of: job, now: now)
            return (job, false)
        }
    }

    public func job(id: UUID) async throws -> Job? {
        state.withLock { $0.jobs[id] }
    }

    public func job(key: String) async throws -> Job? {
        state.withLock { state in state.liveKeys[key].flatMap { state.jobs[$0] } }
    }

    public func lastJob(key: String) async throws -> Job? {
        state.withLock { state in
            state.liveKeys[key].flatMap { state.jobs[$0] }
                ?? state.jobs.values.filter { $0.key == key && $0.deleted }.max { ($0.updatedAt, $0.id.uuidString) < ($1.updatedAt, $1.id.uuidString) }
        }
    }

    public func listJobs(_ query: JobQuery) async throws -> Page<Job> {
        let limit = min(max(query.limit, 1), JobQuery.maximumLimit)
        let position = try query.cursor.map { try JobCursor($0, sort: query.sort) }
        if query.matchesNothing { return Page(items: [], nextCursor: nil) }
        let jobs = state.withLock { state in state.jobs.values.filter { !$0.deleted && Self.matches($0, query) } }
        var sorted = jobs.sorted { Self.precedes($0, $1, query.sort) }
        if let position {
            sorted.removeAll { !Self.isAfter($0, position, query.sort) }
        }
        let page = Array(sorted.prefix(limit))
        let next = sorted.count > limit ? page.last.map { JobCursor(sort: query.sort, value: Self.sortValue($0, query.sort.field), key: $0.key).text } : nil
        return Page(items: page, nextCursor: next)
    }

    static func matches(_ job: Job, _ query: JobQuery) -> Bool {
        if let prefix = query.keyPrefix, !prefix.isEmpty, !job.key.utf8.starts(with: prefix.utf8) { return false }
        if let search = query.search, !search.isEmpty, !asciiContains(job.key, search), !asciiContains(job.spec.name, search) { return false }
        if let task = query.task, job.spec.task != task { return false }
        if let enabled = query.enabled, job.spec.enabled != enabled { return false }
        if let paused = query.paused, job.spec.paused != paused { return false }
        if let outcome = query.lastOutcome, !outcome.matches(job.lastStatus) { return false }
        if !query.includeSystem, job.system { return false }
        if let state = query.state, Self.state(of: job) != state { return false }
        return true
    }

    static func state(of job: Job) -> JobQuery.State {
        if !job.spec.enabled { return .disabled }
        if job.spec.paused { return .paused }
        return job.nextRunAt == nil ? .finished : .active
    }

    /// Substring search with ASCII letters in either case, as SQL's `lower()` compares.
    static func asciiContains(_ text: String, _ needle: String) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
        let haystack = text.utf8.map(lower)
        let pattern = needle.utf8.map(lower)
        guard pattern.count <= haystack.count else { return false }
        return (0...(haystack.count - pattern.count)).contains { start in haystack[start..<(start + pattern.count)].elementsEqual(pattern) }
    }

    static func sortValue(_ job: Job, _ field: JobQuery.SortField) -> JobCursor.Value {
        switch field {
        case .key: .text(job.key)
        case .name: .text(job.spec.name)
        case .priority: .integer(Int64(job.spec.priority))
        case .createdAt: .integer(HistoryCursor.micros(job.createdAt))
        case .nextRunAt: .integer(job.nextRunAt.map(HistoryCursor.micros) ?? Int64.max)
        case .lastRunAt: .integer(job.lastRunAt.map(HistoryCursor.micros) ?? Int64.min)
        }
    }

    /// -1, 0 or 1: text byte by byte (SQL's binary collation), integers by value.
    static func compare(_ a: JobCursor.Value, _ b: JobCursor.Value) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): x < y ? -1 : (x > y ? 1 : 0)
        case (.text(let x), .text(let y)): compareBytes(x, y)
        case (.integer, .text): -1
        case (.text, .integer): 1
        }
    }

    static func compareBytes(_ x: String, _ y: String) -> Int {
        x.utf8.elementsEqual(y.utf8) ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
    }

    static func precedes(_ a: Job, _ b: Job, _ sort: JobQuery.Sort) -> Bool {
        var order = compare(sortValue(a, sort.field), sortValue(b, sort.field))
        if order == 0 { order = compareBytes(a.key, b.key) }
        return sort.descending ? order > 0 : order < 0
    }

    static func isAfter(_ job: Job, _ position: JobCursor, _ sort: JobQuery.Sort) -> Bool {
        var order = compare(sortValue(job, sort.field), position.value)
        if order == 0 { order = compareBytes(job.key, position.key) }
        return sort.descending ? order < 0 : order > 0
    }

    public func replaceJob(id: UUID, with spec: JobSpec, expectedVersion: Int?, now: Date) async throws -> Job {
        try spec.validate()
        return try state.withLock { state in
            let existing = try Job.forChange(state.jobs[id], id: id, expectedVersion: expectedVersion)
            if spec.key != existing.key, state.liveKeys[spec.key] != nil { throw Job.keyConflict(spec.key, jobId: id) }
            let job = try existing.replaced(with: spec, now: now)
            try state.save(job)
            state.unclaimFiresAhead(of: job, now: now)
            if job.key != existing.key {
                for (executionId, row) in state.executions where row.execution.jobId == id && !row.execution.status.isFinal {
                    state.executions[executionId]?.execution.jobKey = job.key
                }
            }
            return job
        }
    }

    public func deleteJob(id: UUID, expectedVersion: Int?, now: Date) async throws -> Job {
        try state.withLock { state in
            let job = try Job.forChange(state.jobs[id], id: id, expectedVersion: expectedVersion).deleted(now: now)
            try state.save(job)
            state.unclaimFiresAhead(of: job, now: now)
            for (executionId, row) in state.executions where row.execution.jobId == id && row.execution.status == .queued {
                var execution = row.execution
                execution.status = .cancelled
                execution.error = ExecutionError(reason: ExecutionError.cancelled, message: job.deletionMessage)
                execution.finishedAt = now
                state.executions[executionId]?.execution = execution
            }
            return job
        }
    }

    public func setPaused(id: UUID, _ paused: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try changeSwitch(id: id, expectedVersion: expectedVersion, now: now, \.paused, to: paused)
    }

    public func setEnabled(id: UUID, _ enabled: Bool, expectedVersion: Int?, now: Date) async throws -> Job {
        try changeSwitch(id: id, expectedVersion: expectedVersion, now: now, \.enabled, to: enabled)
    }

    private func changeSwitch(
        id: UUID, expectedVersion: Int?, now: Date, _ keyPath: WritableKeyPath<JobSpec, Bool> & Sendable, to value: Bool
    ) throws -> Job {
        try state.withLock { state in
            let job = try Job.forChange(state.jobs[id], id: id, expectedVersion: expectedVersion)
            guard let changed = job.switched(keyPath, to: value, now: now) else { return job }
            try state.save(changed)
            state.unclaimFiresAhead(of: changed, now: now)
            return changed
        }
    }

    public func earliestNextRun() async throws -> Date? {
        state.withLock { state in state.jobs.values.filter(\.isScheduled).compactMap(\.nextRunAt).min() }
    }

    public func upcomingJobs(limit: Int) async throws -> [Job] {
        let jobs = state.withLock { state in state.jobs.values.filter(\.isScheduled) }
        return Array(jobs.sorted { Self.precedes($0, $1, JobQuery.Sort(field: .nextRunAt)) }.prefix(max(0, limit)))
    }

    public func jobCounts() async throws -> [JobQuery.State: Int] {
        state.withLock { state in
            var counts: [JobQuery.State: Int] = [.active: 0, .paused: 0, .disabled: 0, .finished: 0]
            for job in state.jobs.values where !job.deleted { counts[Self.state(of: job), default: 0] += 1 }
            return counts
        }
    }

    // MARK: - FireScheduling

    public func claimDueFires(now: Date, horizon: Date, limit: Int, localClaim: LocalClaim?) async throws -> FireBatch {
        state.withLock { state in
            var batch = FireBatch()
            let expired = state.executions.values.map(\.execution).filter { execution in
                execution.status == .queued && execution.missAfter.map { $0 < now } == true
            }
            batch.missed += state.recordMissed(expired.map { state.waiting($0) }, now: now)
            guard limit > 0 else { return batch }
            let due = state.jobs.values.filter { job in job.isScheduled && job.nextRunAt.map { $0 <= horizon } == true }
                .sorted { ($0.nextRunAt!, $0.key) < ($1.nextRunAt!, $1.key) }.prefix(limit)
            batch.jobsClaimed = due.count
            var localRoom = 0
            var budget: ClaimBudget?
            let runnableQueued = state.executions.values.contains {
                $0.execution.status == .queued && $0.execution.missAfter == nil && $0.execution.runAfter <= now
            }
            if let localClaim, localClaim.limit > 0, !due.isEmpty, !runnableQueued {
                localRoom = localClaim.limit
                budget = ClaimBudget(running: state.runningCounts())
            }
            for var job in due {
                guard let nextRunAt = job.nextRunAt else { continue }
                let plan = DueJobPlan(job: job, nextRunAt: nextRunAt, now: now, horizon: horizon)
                for execution in plan.missed where state.insert(execution) { batch.missed.append(execution) }
                for run in plan.runs {
                    var execution = run
                    let local = localClaim.flatMap { claim in
                        localRoom > 0 && budget?.admits(jobId: job.id, maxInstances: job.spec.maxInstances) == true ? claim : nil
                    }
                    if let local { execution = run.claimed(by: local.instanceId, leaseUntil: local.leaseUntil) }
                    guard state.insert(execution) else { continue }
                    if local != nil {
                        localRoom -= 1
                        budget?.record(jobId: job.id)
                        batch.claimed.append(ClaimedExecution(execution: execution, job: job))
                        continue
                    }
                    if job.spec.coalesce {
                        let older = state.executions.values.map(\.execution).filter { other in
                            other.jobId == job.id && other.status == .queued && other.missAfter != nil && other.scheduledAt < execution.scheduledAt
                        }
                        if !older.isEmpty {
                            batch.missed += state.recordMissed(
                                (older + [execution]).map { WaitingFires.Waiting(execution: $0, coalesce: true) }, now: now)
                        }
                    }
                    batch.queued.append(execution)
                }
                job.nextRunAt = plan.nextRunAt
                if let lastMissed = plan.lastMissed {
                    job.lastRunAt = lastMissed
                    job.lastStatus = .missed
                }
                state.jobs[job.id] = job
            }
            return batch
        }
    }

    public func trigger(jobId: UUID, now: Date) async throws -> Execution {
        try state.withLock { state in
            let execution = try Job.manualExecution(of: state.jobs[jobId], id: jobId, now: now)
            _ = state.insert(execution)
            return execution
        }
    }

    // MARK: - ExecutionQueue

    public func claimExecutions(instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedExecution] {
        guard limit > 0 else { return [] }
        return state.withLock { state in
            var budget = ClaimBudget(running: state.runningCounts())
            var claimed: [ClaimedExecution] = []
            for row in state.queued(runnableBy: horizon) {
                guard let job = state.jobs[row.execution.jobId], !job.deleted else { continue }
                guard row.execution.isStartable(at: now), budget.admits(jobId: job.id, maxInstances: job.spec.maxInstances) else { continue }
                let execution = row.execution.claimed(by: instanceId, leaseUntil: leaseUntil)
                state.executions[execution.id]?.execution = execution
                budget.record(jobId: job.id)
                claimed.append(ClaimedExecution(execution: execution, job: job))
                if claimed.count == limit { break }
            }
            return claimed
        }
    }

    public func recordStarts(_ starts: [AttemptStart]) async throws {
        state.withLock { state in
            for start in starts {
                if let started = state.executions[start.executionId]?.execution.started(start) {
                    state.executions[start.executionId]?.execution = started
                }
            }
        }
    }

    public func earliestQueued(after: Date) async throws -> Date? {
        state.withLock { state in
            state.executions.values.filter { $0.execution.status == .queued && $0.execution.runAfter > after }.map(\.execution.runAfter).min()
        }
    }

    @discardableResult
    public func complete(_ completions: [Completion], now: Date) async throws -> [UUID] {
        state.withLock { state in
            var ignored: [UUID] = []
            for completion in completions {
                guard let stored = state.executions[completion.executionId]?.execution else {
                    ignored.append(completion.executionId)
                    continue
                }
                guard let execution = stored.completed(completion) else {
                    ignored.append(completion.executionId)
                    if let acknowledged = stored.acknowledged(completion) { state.executions[stored.id]?.execution = acknowledged }
                    continue
                }
                state.executions[execution.id]?.execution = execution
                if execution.status == .succeeded || execution.status == .failed {
                    state.finish(jobOf: execution, lastRunAt: completion.startedAt, status: execution.status)
                }
            }
            return ignored
        }
    }

    public func cancel(executionId: UUID, now: Date) async throws -> Execution {
        try state.withLock { state in
            guard let stored = state.executions[executionId]?.execution else {
                throw StoreError(.notFound, "no execution with id \(executionId.uuidString)", executionId: executionId)
            }
            let execution = try stored.cancelled(now: now)
            state.executions[executionId]?.execution = execution
            return execution
        }
    }

    public func queueDepth(now: Date) async throws -> Int {
        state.withLock { state in state.executions.values.count { $0.execution.status == .queued && $0.execution.runAfter <= now } }
    }

    // MARK: - InstanceRegistry

    public func registerInstance(_ instance: InstanceInfo) async throws {
        state.withLock { $0.instances[instance.id] = instance }
    }

    public func heartbeat(instanceId: String, now: Date, leaseUntil: Date) async throws -> [UUID] {
        state.withLock { state in
            state.instances[instanceId]?.heartbeatAt = now
            var cancelled: [UUID] = []
            for (id, row) in state.executions
            where row.execution.instanceId == instanceId && row.execution.leaseExpiresAt != nil
                && (row.execution.status == .running || row.execution.status == .cancelled)
            {
                state.executions[id]?.execution.leaseExpiresAt = leaseUntil
                if row.execution.status == .cancelled { cancelled.append(id) }
            }
            return cancelled
        }
    }

    public func markInstanceStopped(instanceId: String, now: Date) async throws {
        state.withLock { state in
            if state.instances[instanceId]?.stoppedAt == nil { state.instances[instanceId]?.stoppedAt = now }
        }
    }

    public func listInstances() async throws -> [InstanceInfo] {
        state.withLock { state in
            state.instances.values.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        }
    }

    public func reapExpiredLeases(now: Date, deadAfter: TimeInterval, limit: Int, sparing: String?) async throws -> [Execution] {
        state.withLock { state in
            let silentSince = now.addingTimeInterval(-max(0, deadAfter))
            for (id, instance) in state.instances where instance.stoppedAt == nil && instance.heartbeatAt < silentSince {
                state.instances[id]?.stoppedAt = now
            }
            for (id, row) in state.executions where row.execution.status == .cancelled && row.execution.leaseExpiresAt.map({ $0 < now }) == true {
                state.executions[id]?.execution.leaseExpiresAt = nil
            }
            guard limit > 0 else { return [] }
            let expired = state.executions.values.map(\.execution)
                .filter { (execution: Execution) -> Bool in
                    guard execution.status == .running, let lease = execution.leaseExpiresAt, lease < now else { return false }
                    return sparing == nil || execution.instanceId == nil || execution.instanceId != sparing
                }
                .sorted { (a: Execution, b: Execution) in (a.leaseExpiresAt ?? now) < (b.leaseExpiresAt ?? now) }.prefix(limit)
            var reaped: [Execution] = []
            for stored in expired {
                let execution = stored.reaped(job: state.jobs[stored.jobId], now: now, jitterFraction: .random(in: 0...1))
                state.executions[execution.id]?.execution = execution
                if execution.status == .failed {
                    state.finish(jobOf: execution, lastRunAt: execution.startedAt ?? execution.runAfter, status: .failed)
                }
                reaped.append(execution)
            }
            return reaped
        }
    }

    public func recoverInstances(otherThan instanceId: String, now: Date) async throws -> [String] {
        state.withLock { state in
            let stopped = state.instances.values.filter { $0.stoppedAt == nil && $0.id != instanceId }.map(\.id).sorted()
            for id in stopped { state.instances[id]?.stoppedAt = now }
            let expired = now.addingTimeInterval(-0.000_001)
            for (id, row) in state.executions
            where row.execution.instanceId != instanceId && row.execution.leaseExpiresAt.map({ $0 >= now }) == true {
                state.executions[id]?.execution.leaseExpiresAt = expired
            }
            return stopped
        }
    }

    // MARK: - ExecutionHistory

    public func execution(id: UUID) async throws -> Execution? {
        state.withLock { $0.executions[id]?.execution }
    }

    public func history(_ query: HistoryQuery) async throws -> Page<Execution> {
        let limit = min(max(query.limit, 1), 500)
        let cursor = try query.cursor.map { try HistoryCursor($0) }
        let range = query.scheduledRange
        let matching = state.withLock { state in
            state.executions.values.map(\.execution).filter { execution in
                let micros = HistoryCursor.micros(execution.scheduledAt)
                return (query.jobId == nil || execution.jobId == query.jobId) && (query.statuses.isEmpty || query.statuses.contains(execution.status))
                    && range.from.map { micros >= $0 } != false && range.before.map { micros < $0 } != false
            }
        }
        var sorted = matching.sorted(by: Self.newerInHistory)
        if let cursor { sorted.removeAll { !Self.older(Self.historyPosition($0), than: (cursor.micros, cursor.id)) } }
        let page = Array(sorted.prefix(limit))
        return Page(items: page, nextCursor: sorted.count > limit ? page.last.map { HistoryCursor(after: $0).text } : nil)
    }

    public func recentStatuses(_ query: RecentStatusesQuery) async throws -> [UUID: [ExecutionStatus]] {
        let wanted = Set(query.jobIds)
        let executions = state.withLock { state in state.executions.values.map(\.execution).filter { wanted.contains($0.jobId) } }
        let newestFirst = executions.sorted(by: Self.newerInHistory)
        var statuses: [UUID: [ExecutionStatus]] = [:]
        for execution in newestFirst where statuses[execution.jobId, default: []].count < query.limit {
            statuses[execution.jobId, default: []].append(execution.status)
        }
        return statuses
    }

    // History's order: newest first by (scheduled time, id), as the SQL drivers order it.
    private static func historyPosition(_ execution: Execution) -> (micros: Int64, id: UUID) {
        (HistoryCursor.micros(execution.scheduledAt), execution.id)
    }

    private static func older(_ a: (micros: Int64, id: UUID), than b: (micros: Int64, id: UUID)) -> Bool {
        a.micros != b.micros ? a.micros < b.micros : UUID.bytesPrecede(a.id, b.id)
    }

    private static func newerInHistory(_ a: Execution, _ b: Execution) -> Bool {
        older(historyPosition(b), than: historyPosition(a))
    }

    public func deleteHistory(finishedBefore cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return state.withLock { state in
            let old = state.executions.values.map(\.execution)
                .filter { (execution: Execution) -> Bool in
                    guard execution.status.isFinal, execution.leaseExpiresAt == nil, let finished = execution.finishedAt else { return false }
                    return finished < cutoff
                }
                .sorted { (a: Execution, b: Execution) in (a.finishedAt ?? cutoff) < (b.finishedAt ?? cutoff) }.prefix(limit)
            for execution in old {
                state.executions[execution.id] = nil
                if execution.trigger == .scheduled {
                    state.fires.remove(FireKey(jobId: execution.jobId, micros: HistoryCursor.micros(execution.scheduledAt)))
                }
            }
            return old.count
        }
    }

    public func executionCounts() async throws -> [ExecutionStatus: Int] {
        state.withLock { state in
            var counts = Dictionary(uniqueKeysWithValues: ExecutionStatus.allCases.map { ($0, 0) })
            for row in state.executions.values { counts[row.execution.status, default: 0] += 1 }
            return counts
        }
    }

    // MARK: - APIKeyStore

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try state.withLock { state in
            if state.apiKeys.values.contains(where: { $0.hash == key.hash }) {
                throw StoreError(.keyConflict, "an API key with the same hash already exists (prefix '\(key.prefix)')")
            }
            guard state.apiKeys[key.id] == nil else { throw StoreError(.keyConflict, "an API key with id \(key.id.uuidString) already exists") }
            state.apiKeys[key.id] = key
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        state.withLock { state in state.apiKeys.values.first { $0.hash == hash } }
    }

    public func listAPIKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        state.withLock { state in
            state.apiKeys.values.filter { includeRevoked || !$0.isRevoked }.sorted { a, b in
                a.createdAt != b.createdAt ? a.createdAt < b.createdAt : UUID.bytesPrecede(a.id, b.id)
            }
        }
    }

    @discardableResult
    public func revokeAPIKey(id: UUID, now: Date) async throws -> APIKeyRecord {
        try state.withLock { state in
            guard var key = state.apiKeys[id] else { throw StoreError(.notFound, "no API key with id \(id.uuidString)") }
            if key.revokedAt == nil { key.revokedAt = now }
            state.apiKeys[id] = key
            return key
        }
    }

    public func apiKeyCount() async throws -> Int {
        state.withLock { $0.apiKeys.count }
    }

    public func createFirstAPIKey(_ key: APIKeyRecord) async throws -> Bool {
        state.withLock { state in
            guard state.apiKeys.isEmpty else { return false }
            state.apiKeys[key.id] = key
            return true
        }
    }

    // MARK: - Dashboard sessions

    public func createWebSession(_ session: WebSessionRecord) async throws {
        try state.withLock { state in
            guard state.webSessions[session.hash] == nil else { throw StoreError(.keyConflict, "a dashboard session with the same hash already exists") }
            state.webSessions[session.hash] = session
        }
    }

    public func webSession(hash: String) async throws -> WebSessionRecord? {
        state.withLock { $0.webSessions[hash] }
    }

    public func touchWebSession(hash: String, now: Date) async throws {
        state.withLock { state in
            guard var session = state.webSessions[hash] else { return }
            session.lastSeenAt = max(session.lastSeenAt, now)
            state.webSessions[hash] = session
        }
    }

    public func deleteWebSession(hash: String) async throws {
        state.withLock { _ = $0.webSessions.removeValue(forKey: hash) }
    }

    public func deleteWebSessions(createdBefore: Date, seenBefore: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return state.withLock { state in
            let ended = state.webSessions.values.filter { $0.createdAt < createdBefore || $0.lastSeenAt < seenBefore }.prefix(limit)
            for session in ended { state.webSessions[session.hash] = nil }
            return ended.count
        }
    }

    // MARK: - Migrations

    /// Nothing to migrate in memory; the one "migration" names the schema version it models.
    public func appliedMigrations() async throws -> [String] { ["v1-memory"] }

    public func migrate() async throws -> [String] { [] }
}

import Foundation
import KairosCore
import KairosStore
import Logging
import ServiceLifecycle

/// The Kairos engine: scheduler, worker pool and heartbeat/reaper services over one store,
/// with a task registry and an event bus. Run its ``services`` in one `ServiceGroup` (in
/// that order: on shutdown the group stops the scheduler first, drains the workers, and
/// heartbeats until the end; a driver's own maintenance, such as SQLite's checkpoints, runs
/// first and stops last).
///
/// ```swift
/// var tasks = TaskRegistry()
/// tasks.register("demo.hello") { _, context in "hello from \(context.jobKey)" }
/// let engine = KairosEngine(store: try SQLiteJobStore(path: "demo.db"), registry: tasks)
/// _ = try await engine.jobs.create(try JobSpec(key: "hello", task: "demo.hello",
///     schedule: .interval(try IntervalSchedule(seconds: 10))))
/// let group = ServiceGroup(services: engine.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class KairosEngine: Sendable {
    /// The version of Kairos: the default an instance reports, `kairos --version` and the
    /// OpenAPI document's `info.version`.
    public static let version = "0.1.0"

    public let store: any JobStore
    public let registry: TaskRegistry
    public let configuration: EngineConfiguration
    public let events: EventBus
    /// The clock every service reads: the one passed in or, on a store with a clock of its own
    /// (``StoreClockSource``, PostgreSQL), ``storeClock``.
    public let clock: any EngineClock
    /// The passed clock set to the store's clock, when the store has one.
    public let storeClock: StoreClock?
    public let scheduler: SchedulerService?
    public let workers: WorkerPool?
    public let heartbeat: HeartbeatService
    /// Wakes this engine for other instances' changes, when the store reports them (``StoreChangeFeed``).
    let changeListener: ChangeListener?
    let logger: Logger

    public init(
        store: any JobStore, registry: TaskRegistry, configuration: EngineConfiguration = EngineConfiguration(),
        clock baseClock: any EngineClock = SystemClock(), logger: Logger = Logger(label: "kairos"), version: String = KairosEngine.version
    ) {
        self.store = store
        self.registry = registry
        self.configuration = configuration
        let storeClock = (store as? any StoreClockSource).map { StoreClock(base: baseClock, source: $0) }
        let clock: any EngineClock = storeClock ?? baseClock
        self.storeClock = storeClock
        self.clock = clock
        self.logger = logger
        let events = EventBus(observer: EngineObserver(logger: logger))
        self.events = events
        let workers =
            configuration.roles.contains(.worker)
            ? WorkerPool(store: store, clock: clock, events: events, registry: registry, configuration: configuration, logger: logger) : nil
        self.workers = workers
        let scheduler =
            configuration.roles.contains(.scheduler)
            ? SchedulerService(
                store: store, clock: clock, events: events, configuration: configuration, logger: logger, workers: workers,
                exclusive: store.isExclusive)
            : nil
        self.scheduler = scheduler
        if let feed = store as? any StoreChangeFeed, workers != nil || scheduler != nil {
            self.changeListener = ChangeListener(feed: feed, scheduler: scheduler, workers: workers)
        } else {
            self.changeListener = nil
        }
        let now = clock.now()
        let instance = InstanceInfo(
            id: configuration.instanceId, hostname: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
            roles: configuration.roles.map(\.rawValue).sorted(), version: version, startedAt: now, heartbeatAt: now)
        self.heartbeat = HeartbeatService(
            store: store, clock: clock, events: events, configuration: configuration, logger: logger, workers: workers, instance: instance,
            storeClock: storeClock)
    }

    /// The services to run, in service-group order. On a store with its own clock the workers
    /// and the scheduler start once the heartbeat has set ``storeClock``.
    public var services: [any Service] {
        var services: [any Service] = []
        if let maintained = store as? any StoreMaintenance { services.append(StoreMaintenanceService(store: maintained)) }
        services.append(heartbeat)
        if let changeListener { services.append(changeListener) }
        for service in [workers as (any Service)?, scheduler].compactMap({ $0 }) {
            services.append(storeClock.map { ClockAlignedService(service: service, clock: $0) } ?? service)
        }
        return services
    }

    /// Job management that validates task arguments, wakes the scheduler and emits events.
    public var jobs: JobManager { JobManager(engine: self) }

    /// Creates the `system.cleanup-history` job when it does not exist yet.
    public func installSystemJobs() async throws {
        guard let days = configuration.historyRetentionDays, registry.task(named: "system.cleanup-history") != nil else { return }
        if try await store.job(key: Self.cleanupJobKey) != nil { return }
        let spec = try JobSpec(
            key: Self.cleanupJobKey, name: "History cleanup", description: "Deletes finished executions older than the retention.",
            task: "system.cleanup-history", args: ["retentionDays": .number(Double(days))],
            schedule: .cron(try CronSchedule(expression: "17 3 * * *")), misfireGraceTime: 3600)
        let (job, created) = try await store.upsertJob(spec, system: true, now: clock.now())
        if created { events.emit(.jobAdded(jobId: job.id, key: job.key)) }
    }

    public static let cleanupJobKey = "system.cleanup-history"

    func jobsChanged() {
        scheduler?.jobsChanged()
    }

    func workAvailable() {
        workers?.workAvailable()
    }
}

/// Job changes that go through the engine: task arguments are validated before anything is
/// saved, events are emitted and the scheduler wakes up.
public struct JobManager: Sendable {
    let engine: KairosEngine

    public func create(_ spec: JobSpec) async throws -> Job {
        try engine.registry.validate(spec)
        let job = try await engine.store.createJob(spec, now: engine.clock.now())
        engine.events.emit(.jobAdded(jobId: job.id, key: job.key))
        engine.jobsChanged()
        return job
    }

    /// Creates or updates jobs by key (a jobs file). Validates all of them first: nothing is
    /// saved unless every one is valid.
    /// Creates or updates jobs by key (jobs files, an embedder's jobs at start). A job whose key
    /// is in `keepingPausedOf` keeps the `paused` value it has in the store: a jobs file that
    /// does not say `paused` must not resume a job an operator paused through the API.
    /// Each result says what changed.
    public func upsert(_ specs: [JobSpec], keepingPausedOf keepingPaused: Set<String> = []) async throws -> [JobUpsert] {
        for spec in specs { try engine.registry.validate(spec) }
        var results: [JobUpsert] = []
        for var spec in specs {
            let before = try await engine.store.job(key: spec.key)
            if keepingPaused.contains(spec.key), let before { spec.paused = before.spec.paused }
            let result = try await engine.store.upsertJob(spec, system: false, now: engine.clock.now())
            let change: JobUpsert.Change
            if result.created {
                change = .created
                engine.events.emit(.jobAdded(jobId: result.job.id, key: result.job.key))
            } else if let before, before.version != result.job.version {
                change = .updated(fields: result.job.spec.changedFields(from: before.spec))
                engine.events.emit(.jobModified(jobId: result.job.id, key: result.job.key))
            } else {
                change = .unchanged
            }
            results.append(JobUpsert(job: result.job, change: change))
        }
        engine.jobsChanged()
        return results
    }

    public func replace(id: UUID, with spec: JobSpec, expectedVersion: Int?) async throws -> Job {
        try engine.registry.validate(spec)
        let now = engine.clock.now()
        return changed(try await engine.store.replaceJob(id: id, with: spec, expectedVersion: expectedVersion, now: now), at: now)
    }

    /// Deletes a job; a system job is refused (`invalidState`): the engine installs it again at
    /// the next start, so a deletion would only change its id. Disable it instead.
    public func delete(id: UUID, expectedVersion: Int?) async throws -> Job {
        if let job = try await engine.store.job(id: id), job.system, !job.deleted {
            throw StoreError(
                .invalidState,
                "'\(job.key)' is a system job: kairos installs it again at every start, so it cannot be deleted; disable it instead "
                    + "(the history cleanup's retention is --history-retention-days)",
                jobId: job.id, jobKey: job.key)
        }
        let now = engine.clock.now()
        return changed(try await engine.store.deleteJob(id: id, expectedVersion: expectedVersion, now: now), at: now)
    }

    public func setPaused(id: UUID, _ paused: Bool, expectedVersion: Int? = nil) async throws -> Job {
        let now = engine.clock.now()
        return changed(try await engine.store.setPaused(id: id, paused, expectedVersion: expectedVersion, now: now), at: now)
    }

    public func setEnabled(id: UUID, _ enabled: Bool, expectedVersion: Int? = nil) async throws -> Job {
        let now = engine.clock.now()
        return changed(try await engine.store.setEnabled(id: id, enabled, expectedVersion: expectedVersion, now: now), at: now)
    }

    /// After a stored change: the event, the local workers' claimed-ahead fires of a job that
    /// stopped being runnable (the store removed them in the same change), the scheduler's wake-up.
    private func changed(_ job: Job, at now: Date) -> Job {
        engine.events.emit(job.deleted ? .jobRemoved(jobId: job.id, key: job.key) : .jobModified(jobId: job.id, key: job.key))
        if !job.isRunnable { engine.workers?.dropFiresAhead(of: job.id, scheduledAfter: now) }
        engine.jobsChanged()
        return job
    }

    /// Queues a manual run now.
    public func trigger(id: UUID) async throws -> Execution {
        let execution = try await engine.store.trigger(jobId: id, now: engine.clock.now())
        engine.events.emit(.executionSubmitted(execution))
        engine.workAvailable()
        return execution
    }

    public func cancel(executionId: UUID) async throws -> Execution {
        let execution = try await engine.store.cancel(executionId: executionId, now: engine.clock.now())
        engine.workers?.cancelAttempts([executionId])
        return execution
    }
}

/// What ``JobManager/upsert(_:keepingPausedOf:)`` did with one job.
public struct JobUpsert: Sendable {
    public enum Change: Sendable, Hashable {
        case created
        /// The fields that differ from the stored job, by their JSON names (`schedule`, `retry` …).
        case updated(fields: [String])
        case unchanged
    }

    public var job: Job
    public var change: Change

    public var created: Bool { change == .created }
}

import Foundation
import KairosCore
import KairosEngine
import KairosSQLite
import KairosStore
import KairosTestSupport
import Logging
import MemoryJobStore
import ServiceLifecycle

/// Runs a real engine on a fresh SQLite file and the system clock for the duration of `body`,
/// then shuts it down gracefully and waits for it (the real-time suite, ``EngineTests``).
func withEngine(
    workers: Int = 4,
    register: (inout TaskRegistry) -> Void = { _ in },
    configure: (inout EngineConfiguration) -> Void = { _ in },
    _ body: (KairosEngine) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-engine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteJobStore(path: directory.appendingPathComponent("test.db").path)
    let (engine, logger) = makeEngine(store: store, clock: SystemClock(), workers: workers, register: register, configure: configure)
    let group = ServiceGroup(services: engine.services, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body(engine)
        } catch {
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// A real engine on `MemoryJobStore` and a ``ManualClock``, as a test body sees it: time moves
/// only when the test advances the clock, and the test waits for the engine's events
/// (``log``), its writes (``store``) or its sleeps (``clock``), never for real time to pass.
struct ManualEngine: Sendable {
    let engine: KairosEngine
    let clock: ManualClock
    let log: EventLog
    let store: WatchedStore
    fileprivate let group: ServiceGroup
    fileprivate let stopped: Gate

    /// Shuts the engine down gracefully and waits until every service has returned: every
    /// outcome is then written and every event emitted, so what did not happen never will.
    func shutDown() async throws {
        await group.triggerGracefulShutdown()
        try await stopped.wait(within: 30, "the engine to shut down")
    }

    /// Advances the clock to `instant`, then waits until the engine's loops sleep again: with
    /// `sleepers` clock sleepers (idle: the heartbeat, the scheduler and the worker pool; a
    /// running attempt with a timeout adds the pool's timer loop) after an advance past all
    /// their deadlines, each of them has looked at the new time and found nothing left to do.
    func advance(to instant: Date, settling sleepers: Int = 3) async throws {
        clock.advance(to: instant)
        _ = try await clock.nextSleeper(count: sleepers)
    }

    func executions(of job: Job) async throws -> [Execution] { try await engine.executions(of: job) }
}

/// Runs a real engine on `store` and `clock` for the duration of `body` (see ``ManualEngine``),
/// then shuts it down gracefully and waits for it. `prepare` sees the store before the engine
/// starts. A task blocked on a ``Gate`` must be released before `body` returns: the graceful
/// shutdown's grace period runs on the manual clock.
func withManualEngine(
    clock: ManualClock,
    store base: MemoryJobStore = MemoryJobStore(),
    workers: Int = 4,
    prepare: (any JobStore) async throws -> Void = { _ in },
    register: (inout TaskRegistry) -> Void = { _ in },
    configure: (inout EngineConfiguration) -> Void = { _ in },
    _ body: (ManualEngine) async throws -> Void
) async throws {
    let store = WatchedStore(base)
    try await prepare(store)
    let (engine, logger) = makeEngine(store: store, clock: clock, workers: workers, register: register, configure: configure)
    let log = EventLog(engine.events)
    let group = ServiceGroup(services: engine.services, logger: logger)
    let stopped = Gate()
    let run = ManualEngine(engine: engine, clock: clock, log: log, store: store, group: group, stopped: stopped)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { stopped.open() }
            try await group.run()
        }
        var failure: (any Error)?
        do {
            try await body(run)
        } catch {
            failure = error
        }
        do {
            try await run.shutDown()
        } catch {
            // A shutdown that hangs (an attempt still blocked): cancelling the group abandons it.
            tasks.cancelAll()
            failure = failure ?? error
        }
        try await tasks.waitForAll()
        if let failure { throw failure }
    }
}

private func makeEngine(
    store: any JobStore, clock: any EngineClock, workers: Int, register: (inout TaskRegistry) -> Void,
    configure: (inout EngineConfiguration) -> Void
) -> (KairosEngine, Logger) {
    var registry = TaskRegistry.builtIn(httpClient: HTTPRequestTask.defaultClient, history: store, allowShellTasks: false)
    register(&registry)
    var configuration = EngineConfiguration(
        workers: workers, lookahead: 0.2, leaseDuration: 5, heartbeatInterval: 0.5, idlePollInterval: 1,
        shutdownGrace: 2, abandonAfter: 0.5, historyRetentionDays: nil)
    configure(&configuration)
    // KAIROS_TEST_LOG=debug shows the engine's log lines while a test runs.
    var logger = Logger(label: "kairos-test") { JSONLogHandler(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["KAIROS_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return (KairosEngine(store: store, registry: registry, configuration: configuration, clock: clock, logger: logger), logger)
}

extension KairosEngine {
    func executions(of job: Job) async throws -> [Execution] {
        try await store.history(HistoryQuery(jobId: job.id, limit: 500)).items
    }
}

extension Gate {
    /// Waits until the gate opens, at most `seconds` of real time (then throws ``WaitTimeout``).
    func wait(within seconds: Double = 30, _ what: String) async throws {
        try await withDeadline(seconds, { what }) { try await self.wait() }
    }
}

/// Records values from concurrently running tasks.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Locked<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

import Foundation
import KairosCore
import KairosEngine
import KairosSQLite
import KairosStore
import KairosTestSupport
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a real engine on `store` (default: a fresh SQLite file) for the duration of `body`,
/// then shuts it down gracefully and waits for it.
func withEngine(
    store given: (any JobStore)? = nil,
    workers: Int = 4,
    clock: any EngineClock = SystemClock(),
    prepare: (any JobStore) async throws -> Void = { _ in },
    register: (inout TaskRegistry) -> Void = { _ in },
    configure: (inout EngineConfiguration) -> Void = { _ in },
    _ body: (KairosEngine) async throws -> Void
) async throws {
    try await withEngine(store: given, workers: workers, clock: clock, prepare: prepare, register: register, configure: configure) { engine, _ in
        try await body(engine)
    }
}

/// The same, with an ``EventLog`` of the engine made before it starts (no event is missed).
@_disfavoredOverload
func withEngine(
    store given: (any JobStore)? = nil,
    workers: Int = 4,
    clock: any EngineClock = SystemClock(),
    prepare: (any JobStore) async throws -> Void = { _ in },
    register: (inout TaskRegistry) -> Void = { _ in },
    configure: (inout EngineConfiguration) -> Void = { _ in },
    _ body: (KairosEngine, EventLog) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-engine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try given ?? SQLiteJobStore(path: directory.appendingPathComponent("test.db").path)
    try await prepare(store)
    var registry = TaskRegistry.builtIn(httpClient: .shared, history: store, allowShellTasks: false)
    register(&registry)
    var configuration = EngineConfiguration(
        workers: workers, lookahead: 0.2, leaseDuration: 5, heartbeatInterval: 0.5, idlePollInterval: 1,
        shutdownGrace: 2, abandonAfter: 0.5, historyRetentionDays: nil)
    configure(&configuration)
    // KAIROS_TEST_LOG=debug shows the engine's log lines while a test runs.
    var logger = Logger(label: "kairos-test") { JSONLogHandler(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["KAIROS_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    let engine = KairosEngine(store: store, registry: registry, configuration: configuration, clock: clock, logger: logger)
    let log = EventLog(engine.events)
    let group = ServiceGroup(services: engine.services, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body(engine, log)
        } catch {
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}


/// Records values from concurrently running tasks.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

extension KairosEngine {
    func executions(of job: Job) async throws -> [Execution] {
        try await store.history(HistoryQuery(jobId: job.id, limit: 500)).items
    }
}

import Foundation
import KairosCore
import KairosEngine
import KairosPostgres
import KairosStore
import Logging
import ServiceLifecycle
import Testing

/// The instants test tasks ran at, by the real (system) clock, by job key.
actor RunLog {
    private(set) var runs: [String: [Date]] = [:]

    func record(_ key: String) { runs[key, default: []].append(Date()) }

    func first(_ key: String) -> Date? { runs[key]?.first }
}

/// The system clock moved by `skew` seconds: a host whose clock is wrong.
struct SkewedClock: EngineClock {
    var skew: TimeInterval

    func now() -> Date { Date().addingTimeInterval(skew) }

    func sleep(until deadline: Date) async throws {
        try await SystemClock().sleep(until: deadline.addingTimeInterval(-skew))
    }
}

/// Tasks for these tests: `test.record` logs its run in `log`; `test.sleep` also takes `seconds`.
func testTasks(_ log: RunLog) -> TaskRegistry {
    var tasks = TaskRegistry()
    tasks.register("test.record") { _, context in
        await log.record(context.jobKey)
        return nil
    }
    tasks.register("test.sleep") { args, context in
        await log.record(context.jobKey)
        if case .number(let seconds)? = args["seconds"] { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
        return nil
    }
    return tasks
}

/// An engine configuration for a test: a 30 s safety poll (longer than any wait here, so that
/// only a notification explains a prompt reaction), no retention job, a short shutdown.
func testConfiguration(
    _ instanceId: String, roles: Set<EngineConfiguration.Role>, leaseDuration: TimeInterval = 30, heartbeatInterval: TimeInterval = 5
) -> EngineConfiguration {
    EngineConfiguration(
        instanceId: instanceId, roles: roles, workers: 2, leaseDuration: leaseDuration, heartbeatInterval: heartbeatInterval,
        idlePollInterval: 30, shutdownGrace: 1, historyRetentionDays: nil)
}

let quietLogger = Logger(label: "kairos.postgres.tests.engine", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs the stores' clients and the engines' services in one service group for the length of
/// `body`, then shuts it down gracefully (the stores last).
func withRunning(_ stores: [PostgresJobStore], _ engines: [KairosEngine], _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(services: stores.map { $0 as any Service } + engines.flatMap(\.services), logger: quietLogger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let outcome: Result<Void, any Error>
        do {
            try await body()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        try outcome.get()
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: TimeInterval, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Waits until `instanceId` is registered in `store`, then lets its services settle into their
/// idle waits (the scheduler's first pass, the workers' first claim).
func waitUntilIdle(_ instanceId: String, in store: any JobStore) async throws {
    let registered = try await eventually(within: 10) { try await store.listInstances().contains { $0.id == instanceId && $0.stoppedAt == nil } }
    try #require(registered, "\(instanceId) registered")
    try await Task.sleep(for: .milliseconds(700))
}

/// Every execution of `jobId`, newest first.
func executions(of jobId: UUID, in store: any JobStore) async throws -> [Execution] {
    try await store.history(HistoryQuery(jobId: jobId, limit: 100)).items
}

/// Opens a new handle (as another process would) on `configuration`'s database.
func openStore(_ configuration: PostgresStoreConfiguration) async throws -> PostgresJobStore {
    try await PostgresJobStore.open(configuration, logger: TestServer.logger)
}

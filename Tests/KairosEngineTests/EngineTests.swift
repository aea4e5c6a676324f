import Foundation
import KairosCore
import KairosEngine
import KairosSQLite
import KairosStore
import KairosTestSupport
import Logging
import MemoryJobStore
import ServiceLifecycle
import Testing

/// The engine end to end on a real SQLite store and the system clock: a few cases that every
/// part (SQL, the batched writes, real timers) takes part in. Unlike the manual-clock suites,
/// these wait in real time — bounded polls of the store (`eventually`) and a task that really
/// sleeps; the behaviours themselves are specified, without real time, in
/// ``EngineMemoryTests`` and ``EngineAttemptTests``.
@Suite("Engine on SQLite in real time", .serialized, .timeLimit(.minutes(1)))
struct EngineTests {
    @Test("an interval job fires every second and every run is kept in history")
    func intervalRuns() async throws {
        try await withEngine { engine in
            let job = try await engine.jobs.create(try JobSpec(key: "tick", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1))))
            // Two fires take a little over 2 s; the bound leaves room for a machine whose two cores
            // start every suite at once (5 s was missed there once).
            #expect(try await eventually(within: 15) { try await engine.executions(of: job).filter { $0.status == .succeeded }.count >= 2 })
            let runs = try await engine.executions(of: job)
            #expect(Set(runs.map(\.scheduledAt)).count == runs.count)
            for run in runs where run.status == .succeeded {
                #expect(run.startedAt != nil && run.finishedAt != nil && run.durationMs != nil)
                #expect(run.scheduledAt.timeIntervalSince1970.rounded() == run.scheduledAt.timeIntervalSince1970 || job.spec.schedule.jitter > 0)
            }
        }
    }

    @Test("the SQLite store's checkpoints run first among the engine's services, so they stop last; the memory store has none")
    func storeMaintenanceRunsWithTheEngine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = KairosEngine(store: try SQLiteJobStore(path: directory.appendingPathComponent("test.db").path), registry: TaskRegistry())
        #expect(sqlite.services.first is StoreMaintenanceService)
        #expect(sqlite.services.filter { $0 is StoreMaintenanceService }.count == 1)
        let memory = KairosEngine(store: MemoryJobStore(), registry: TaskRegistry())
        #expect(!memory.services.contains { $0 is StoreMaintenanceService })
    }

    @Test("a failing attempt is retried with backoff and the retry can succeed")
    func retries() async throws {
        let attempts = Recorder<Int>()
        try await withEngine(register: { registry in
            registry.register("test.flaky") { _, context in
                attempts.append(context.attempt)
                if context.attempt == 1 { throw TaskFailure(message: "first attempt fails") }
                return "ok on attempt \(context.attempt)"
            }
        }) { engine in
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 0.2, max: 1, multiplier: 2), jitter: false)
            let job = try await engine.jobs.create(
                try JobSpec(key: "flaky", task: "test.flaky", schedule: .date(DateSchedule(runAt: Date() + 3600)), retry: retry))
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .succeeded })
            let run = try #require(try await engine.executions(of: job).first)
            #expect(run.attempt == 2)
            #expect(run.result == "ok on attempt 2")
            #expect(attempts.all == [1, 2])
        }
    }

    @Test("a task that outlives its timeout is cancelled and the attempt fails with reason timeout")
    func timeout() async throws {
        try await withEngine { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "slow", task: "system.sleep", args: ["seconds": 30], schedule: .date(DateSchedule(runAt: Date() + 3600)), timeout: 0.3))
            let started = Date()
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .failed })
            let run = try #require(try await engine.executions(of: job).first)
            #expect(run.error?.reason == "timeout")
            #expect(Date().timeIntervalSince(started) < 3)
        }
    }

    @Test("graceful shutdown lets a running execution finish")
    func drain() async throws {
        var captured: (KairosEngine, Job)?
        try await withEngine { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "drain", task: "system.sleep", args: ["seconds": 0.5], schedule: .date(DateSchedule(runAt: Date() + 3600))))
            _ = try await engine.jobs.trigger(id: job.id)
            // Started, not only claimed: a claim not started yet is released at shutdown (it runs
            // at the next start), which is not what this case is about.
            #expect(try await eventually {
                let run = try await engine.executions(of: job).first
                return run?.status == .running && run?.startedAt != nil
            })
            captured = (engine, job)
        }
        let (engine, job) = try #require(captured)
        #expect(try await engine.executions(of: job).first?.status == .succeeded)
        #expect(try await engine.store.listInstances().allSatisfy { $0.stoppedAt != nil })
    }

    @Test("a service that fails at start (the API's port taken) stops the group, and the instance is still marked stopped")
    func failedStart() async throws {
        struct PortTaken: Error {}
        /// Fails once the instance is registered, as the API does when its bind fails.
        struct FailingService: Service {
            let store: any JobStore
            func run() async throws {
                #expect(try await eventually { try await !store.listInstances().isEmpty })
                throw PortTaken()
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteJobStore(path: directory.appendingPathComponent("test.db").path)
        let engine = KairosEngine(
            store: store, registry: .builtIn(httpClient: HTTPRequestTask.defaultClient, history: store, allowShellTasks: false),
            configuration: EngineConfiguration(workers: 2, heartbeatInterval: 0.5), logger: Logger(label: "kairos-test") { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(services: engine.services + [FailingService(store: store)], logger: Logger(label: "kairos-test") { _ in SwiftLogNoOpLogHandler() })
        await #expect(throws: PortTaken.self) { try await group.run() }
        let instances = try await store.listInstances()
        #expect(instances.count == 1)
        #expect(instances.allSatisfy { $0.stoppedAt != nil }, "no ghost instance left running in `kairos status`")
    }
}

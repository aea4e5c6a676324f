import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import ServiceLifecycle
import Testing

/// A job's last run is written with the pass that plans its next fire when that pass is this
/// handle's and comes within a second (docs/POSTGRES.md, "Last runs"): one row update a fire.
@Suite("PostgreSQL last runs")
struct PostgresLastRunsTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// A job firing every `seconds` from t0 + 1 s.
    private static func every(_ key: String, seconds: Int) throws -> JobSpec {
        try JobSpec(key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: seconds, startDate: at(1))))
    }

    /// A scheduling pass of instance "a" at t0 + `seconds` with 0.8 s of look-ahead, taking the
    /// fires for its workers.
    private static func pass(_ store: any JobStore, at seconds: Double) async throws -> FireBatch {
        try await store.claimDueFires(
            now: at(seconds), horizon: at(seconds + 0.8), limit: 10, localClaim: LocalClaim(instanceId: "a", leaseUntil: at(seconds + 30), limit: 10))
    }

    /// The transaction that wrote the job's `job_runs` row last.
    private static func rowVersion(_ configuration: PostgresStoreConfiguration, _ job: Job) async throws -> Int? {
        try await adminInteger(configuration, "SELECT xmin::text::bigint FROM job_runs WHERE job_id = '\(job.id.uuidString)'")
    }

    @Test("the run of a job this handle plans again within a second goes into the row update of the pass that plans its next fire, not one of its own")
    func writtenWithNextFire() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let job = try await store.createJob(try Self.every("tick", seconds: 1), now: Self.t0)
            let first = try #require(try await Self.pass(store, at: 0.5).claimed.first)
            let version = try await Self.rowVersion(configuration, job)
            _ = try await store.complete([first.succeeded(by: "a", at: Self.at(1))], now: Self.at(1))
            #expect(try await store.execution(id: first.execution.id)?.status == .succeeded)
            #expect(try await store.job(id: job.id)?.lastRunAt == nil, "the last run waits for the pass")
            #expect(try await Self.rowVersion(configuration, job) == version, "the outcome batch left the job's row as it was")

            #expect(try await Self.pass(store, at: 1.5).claimed.map(\.job.id) == [job.id])
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.lastRunAt == Self.at(1) && stored.lastStatus == .succeeded)
            #expect(stored.nextRunAt == Self.at(3))
        } }
    }

    @Test("a last run that no pass of this handle takes within a second is written after it, by the next pass or the next outcome batch", arguments: [
        "pass", "outcome batch",
    ])
    func writtenAfterASecond(writer: String) async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let tick = try await store.createJob(try Self.every("tick", seconds: 1), now: Self.t0)
            _ = try await store.createJob(try Self.every("minutely", seconds: 60), now: Self.t0)
            let claimed = try await Self.pass(store, at: 0.5).claimed
            let tickRun = try #require(claimed.first { $0.job.key == "tick" })
            let minutelyRun = try #require(claimed.first { $0.job.key == "minutely" })
            _ = try await store.complete([tickRun.succeeded(by: "a", at: Self.at(1))], now: Self.at(1))
            _ = try await store.setPaused(id: tick.id, true, expectedVersion: nil, now: Self.at(1.1))
            #expect(try await Self.pass(store, at: 1.5).claimed.isEmpty)
            #expect(try await store.job(id: tick.id)?.lastRunAt == nil, "within its second")

            switch writer {
            case "pass": #expect(try await Self.pass(store, at: 2.1).claimed.isEmpty)
            default: _ = try await store.complete([minutelyRun.succeeded(by: "a", at: Self.at(2.1))], now: Self.at(2.1))
            }
            let stored = try #require(try await store.job(id: tick.id))
            #expect(stored.lastRunAt == Self.at(1) && stored.lastStatus == .succeeded)
        } }
    }

    @Test("a graceful shutdown writes the last runs still waiting, then stops the pool")
    func writtenAtShutdown() async throws {
        try await withFreshDatabase { configuration in
            let store = try await PostgresJobStore.open(configuration, logger: TestServer.logger)
            let group = ServiceGroup(services: [store], logger: TestServer.logger)
            let job = try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let job = try await store.createJob(try Self.every("tick", seconds: 1), now: Self.t0)
                let first = try #require(try await Self.pass(store, at: 0.5).claimed.first)
                _ = try await store.complete([first.succeeded(by: "a", at: Self.at(1))], now: Self.at(1))
                #expect(try await store.job(id: job.id)?.lastRunAt == nil)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return job
            }
            try await withHandles(configuration) { handles in
                let stored = try #require(try await handles.open().job(id: job.id))
                #expect(stored.lastRunAt == Self.at(1) && stored.lastStatus == .succeeded)
            }
        }
    }
}

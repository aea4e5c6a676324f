import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import KairosTestSupport
import Testing

/// `kairos migrate` and `kairos serve` on a PostgreSQL database, as processes.
@Suite("kairos on PostgreSQL (processes)")
struct PostgresServeTests {
    @Test("kairos migrate, then two kairos serve on one database: every fire once, both stop with exit 0, no password printed")
    func migrateAndServeTwice() async throws {
        try await ServeFleet.withFleet { fleet, configuration in
            let password = try #require(configuration.password, "the test server has a password (scripts/test sets one)")
            let jobs = try fleet.write(
                "jobs.yaml",
                """
                jobs:
                  - key: tick
                    task: system.noop
                    schedule: {type: interval, seconds: 1}
                """)

            let migrate = try await KairosProcess.run(["migrate", "--store", fleet.store])
            #expect(migrate.status == 0, "\(migrate.stderr)")
            #expect(migrate.stdout.contains("applied v1-"), "\(migrate.stdout)")

            let servers = try await fleet.start(["scheduler,worker", "scheduler,worker"], ["--jobs", jobs, "--pg-pool-size", "3"])
            #expect(servers.allSatisfy { $0.stdout.contains("kairos: serving postgres://") })
            try await Task.sleep(for: .seconds(3))
            #expect(try await fleet.stopAll(within: 20), "both stop with exit 0")
            for output in [migrate.stdout, migrate.stderr] + servers.flatMap({ [$0.stdout, $0.stderr] }) {
                #expect(!output.contains(password), "no output shows the password")
            }

            try await withHandles(configuration) { handles in
                let reader = try await handles.open()
                let tick = try #require(try await reader.job(key: "tick"))
                let fires = try await allExecutions(reader).filter { $0.jobId == tick.id && $0.trigger == .scheduled }
                #expect(fires.filter { $0.status == .succeeded }.count >= 2, "the job ran while both served: \(fires.map(\.status))")
                #expect(Set(fires.map(\.scheduledAt)).count == fires.count, "no fire twice")
                // A fire queued ahead of its time when both stopped waits for the next start.
                #expect(fires.allSatisfy { $0.status != .running && $0.status != .failed }, "nothing left running: \(fires.map(\.status))")
                let instances = try await reader.listInstances()
                #expect(instances.count == 2 && instances.allSatisfy { $0.stoppedAt != nil }, "two instances, both stopped cleanly")
            }
        }
    }
}

import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import KairosTestSupport
import Testing

/// A PostgreSQL cluster of the test's own, which it may stop and start: stopping the shared
/// test server would fail every other test running beside. Made by `KAIROS_TEST_POSTGRES_CTL`
/// (scripts/postgres-throwaway, exported by scripts/postgres-cluster.sh).
struct OwnCluster {
    static let variable = "KAIROS_TEST_POSTGRES_CTL"
    let control: String
    let url: String
    let directory: String

    func stop() async throws { try await Self.run(control, ["stop", directory]) }
    func start() async throws { try await Self.run(control, ["start", directory]) }

    @discardableResult
    private static func run(_ control: String, _ arguments: [String]) async throws -> String {
        let result = try await KairosProcess.run(program: control, arguments)
        guard result.status == 0 else {
            Issue.record("\(control) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
            throw FleetError("\(control) \(arguments.joined(separator: " ")) failed")
        }
        return result.stdout
    }

    /// Runs `body` with a new cluster, removed after.
    static func with(_ body: (OwnCluster) async throws -> Void) async throws {
        guard let control = ProcessInfo.processInfo.environment[variable], !control.isEmpty else {
            Issue.record("\(variable) is not set: the database-restart tests start a PostgreSQL cluster of their own with it. Run scripts/test, or scripts/with-postgres swift test --filter KairosPostgresTests")
            throw FleetError("\(variable) is not set")
        }
        let created = try await run(control, ["create"]).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard created.count == 2 else { throw FleetError("\(control) create printed \(created)") }
        let cluster = OwnCluster(control: control, url: String(created[0]), directory: String(created[1]))
        do {
            try await body(cluster)
        } catch {
            _ = try? await run(control, ["destroy", cluster.directory])
            throw error
        }
        try await run(control, ["destroy", cluster.directory])
    }
}

extension ServeFleetTests {
    /// Polls `/ready` of `process` every 200 ms until it answers `status`; each answer bounded.
    static func ready(_ process: ServeProcess, becomes status: Int, within seconds: Double) async throws -> (reached: Bool, slowest: TimeInterval, last: HTTPExchange?) {
        let base = try #require(process.baseURL)
        var slowest: TimeInterval = 0
        var last: HTTPExchange?
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let asked = Date()
            last = try? await HTTPExchange.send(.GET, base + "/ready", timeout: .seconds(10))
            slowest = max(slowest, Date().timeIntervalSince(asked))
            if last?.status == status { return (true, slowest, last) }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (false, slowest, last)
    }

    @Test("a PostgreSQL restart under load: both instances stay up, /ready answers 503 naming the cause within 3 s while it is down and 200 once it is back, work resumes, no fire lost or run twice")
    func databaseRestart() async throws {
        try await ExecutionSink.with { sink in
            try await OwnCluster.with { cluster in
                let fleet = try ServeFleet(store: cluster.url)
                let (ticks, hooks) = (jobKeys("tick", 40), jobKeys("hook", 4))
                let grace = ", misfireGraceTime: 20"
                let jobs = try fleet.write(
                    "jobs.yaml",
                    "jobs:\n" + Self.jobs("tick", 40, every: 1, extra: grace)
                        + Self.jobs("hook", 4, every: 1, task: "http.request", args: "{method: POST, url: '\(sink.url)'}", extra: grace))
                let instances = try await fleet.start(["api,scheduler,worker", "api,scheduler,worker"], ["--jobs", jobs])
                let configuration = try PostgresStoreConfiguration(url: cluster.url, environment: [:])
                try await Task.sleep(for: .seconds(3))
                for instance in instances {
                    #expect(try await Self.ready(instance, becomes: 200, within: 5).reached, "ready before the restart")
                }

                for restart in 1...max(1, Soak.databaseRestarts) {
                    try await cluster.stop()
                    for instance in instances {
                        let down = try await Self.ready(instance, becomes: 503, within: 10)
                        #expect(down.reached, "restart \(restart): /ready answers 503 while the database is down: \(String(describing: down.last))")
                        #expect(down.slowest < 3, "restart \(restart): /ready answered within 3 s (slowest \(down.slowest) s)")
                        #expect(down.last?.contentType == "application/problem+json", "a problem body")
                        #expect(down.last?.body.contains("the store") == true, "it names the cause: \(down.last?.body ?? "")")
                    }
                    try await Task.sleep(for: .seconds(2))
                    #expect(instances.allSatisfy { $0.isRunning }, "restart \(restart): no instance exits while the database is down")
                    try await cluster.start()
                    let back = Date()
                    for instance in instances {
                        #expect(try await Self.ready(instance, becomes: 200, within: 30).reached, "restart \(restart): ready again once the database is back")
                    }
                    let resumed = try await eventually(within: 20, every: .milliseconds(500)) {
                        try await Self.history(configuration).silent(keys: ticks.union(hooks), since: back).isEmpty
                    }
                    #expect(resumed, "restart \(restart): every job runs again after the restart")
                    // The next restart comes once the fires due meanwhile have run (late, within
                    // their grace): restarts closer together than the grace would let it pass
                    // while the database is down again, and those fires would be missed by design.
                    let caughtUp = try await Self.settled(configuration, keys: ticks.union(hooks), upTo: back, within: 30)
                    #expect(caughtUp, "restart \(restart): the fires due while the database was down ran")
                    #expect(instances.allSatisfy { $0.isRunning }, "restart \(restart): both instances are still up")
                }
                let stopping = Date()
                let all = ticks.union(hooks)
                #expect(try await Self.settled(configuration, keys: all, upTo: stopping, within: 60), "the fires up to the end ran")
                #expect(try await fleet.stopAll(), "both instances stop with exit 0")

                let audit = try await Self.history(configuration).upTo(stopping)
                #expect(audit.duplicateFires.isEmpty, "no fire has two executions: \(audit.duplicateFires.prefix(5))")
                #expect(audit.gaps(keys: all, every: 1).isEmpty, "no fire lost: \(audit.gaps(keys: all, every: 1))")
                #expect(audit.silent(keys: all, since: stopping.addingTimeInterval(-2)).isEmpty, "every job fired until the end")
                // The outage is shorter than the grace: every fire ran, late or not.
                let unexpected = audit.executions.filter { $0.status != .succeeded }
                #expect(unexpected.isEmpty, "every fire ran (none missed, failed or left running): \(audit.statusCounts) \(unexpected.prefix(3))")
                #expect(sink.repeatedAttempts.isEmpty, "no attempt delivered twice: \(sink.repeatedAttempts.prefix(3))")
                // The client's pool holds requests while it reconnects: a short outage is a wait,
                // not an error, for the services; none gave up on anything.
                let logs = instances.map(\.stderr).joined()
                #expect(!logs.contains("giving up") && !logs.contains("kairos serve stopped"), "no service gave up: \(logs.suffix(2000))")
            }
        }
    }
}

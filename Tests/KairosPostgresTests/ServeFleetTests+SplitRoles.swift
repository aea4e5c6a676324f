import Foundation
import KairosCore
import KairosStore
import KairosTestSupport
import Testing

extension ServeFleetTests {
    /// Without LISTEN/NOTIFY (issue #12, not yet) a process sees another's new job or queued
    /// work at its next look at the store: the scheduler's and the workers' idle poll (5 s
    /// each). So a new job's first run comes within two polls, and a worker runs the fires a
    /// scheduler elsewhere queued within one poll of their time (the job does not coalesce: a
    /// fire still waiting when the next comes would be recorded missed).
    static let discoveryBound: TimeInterval = 12
    static let pollBound: TimeInterval = 6

    @Test("split roles: an API-only process, a scheduler and two workers: a job created through the API runs on the workers, within a poll of each fire, never on the API's or the scheduler's instance")
    func splitRoles() async throws {
        try await ServeFleet.withFleet { fleet, configuration in
            let api = try #require(try await fleet.start(["api"]).first)
            let scheduler = try #require(try await fleet.start(["scheduler"]).first)
            let workers = try await fleet.start(["worker", "worker"])
            let base = try #require(api.baseURL)
            let created = try await HTTPExchange.send(
                .POST, base + "/api/v1/scheduler/jobs", json: #"{"key": "split-1", "task": "system.noop", "schedule": {"type": "interval", "seconds": 1}, "coalesce": false}"#)
            #expect(created.status == 201, "\(created.body)")
            let createdAt = Date()
            let triggered = try await HTTPExchange.send(.POST, base + "/api/v1/scheduler/jobs/split-1/action", json: #"{"action": "trigger"}"#)
            #expect(triggered.status == 202, "\(triggered.body)")

            try await withHandles(configuration) { handles in
                let reader = try await handles.open()
                func runs() async throws -> [Execution] {
                    try await allExecutions(reader).filter { $0.jobKey == "split-1" && $0.status == .succeeded }
                }
                let started = try await eventually(within: Self.discoveryBound + 5, every: .milliseconds(100)) {
                    let triggers = Set(try await runs().map(\.trigger))
                    return triggers.contains(.scheduled) && triggers.contains(.manual)
                }
                #expect(started, "the job ran, scheduled and triggered")
                let first = try await runs().compactMap(\.startedAt).min() ?? .distantFuture
                #expect(first.timeIntervalSince(createdAt) <= Self.discoveryBound, "first run \(first.timeIntervalSince(createdAt)) s after the API created the job")
                try await Task.sleep(for: .seconds(2 * Self.pollBound))

                let executions = try await allExecutions(reader).filter { $0.jobKey == "split-1" }
                let workerIds = Set(workers.compactMap(\.instanceId))
                let ranOn = Set(executions.filter { $0.status == .succeeded }.compactMap(\.instanceId))
                #expect(!ranOn.isEmpty && ranOn.isSubset(of: workerIds), "only workers ran it: \(ranOn), workers \(workerIds)")
                let elsewhere = executions.filter { $0.instanceId == api.instanceId || $0.instanceId == scheduler.instanceId }
                #expect(elsewhere.isEmpty, "neither the API's nor the scheduler's instance ran anything: \(elsewhere.prefix(3))")
                // Once the workers know of the job, they start its queued fires within a poll.
                let lags = executions.filter { $0.trigger == .scheduled && $0.status == .succeeded }.sorted { $0.scheduledAt < $1.scheduledAt }
                    .dropFirst(2).compactMap { $0.startedAt?.timeIntervalSince($0.scheduledAt) }
                #expect(lags.count >= 8 && lags.allSatisfy { $0 < Self.pollBound }, "later fires start within a poll: lags \(lags)")
                let audit = FireAudit(executions: executions)
                #expect(audit.gaps(keys: ["split-1"], every: 1).isEmpty, "no fire lost: \(audit.gaps(keys: ["split-1"], every: 1))")
            }
            #expect(try await fleet.stopAll(), "every instance stops with exit 0")
        }
    }
}

import Foundation
import KairosCore
import KairosStore
import Testing

extension ServeFleetTests {
    @Test("three instances, 150 jobs at 1 s and 12 http.request jobs: every fire runs exactly once, in history and at the receiving server")
    func exactlyOnce() async throws {
        try await ExecutionSink.with { sink in
            try await ServeFleet.withFleet { fleet, configuration in
                let count = Soak.loadJobs
                let (ticks, hooks) = (jobKeys("tick", count), jobKeys("hook", 12))
                let jobs = try fleet.write(
                    "jobs.yaml",
                    "jobs:\n" + Self.jobs("tick", count, every: 1)
                        + Self.jobs("hook", 12, every: 1, task: "http.request", args: "{method: POST, url: '\(sink.url)', body: {from: kairos}}"))
                let instances = try await fleet.start(Array(repeating: "api,scheduler,worker", count: 3), ["--jobs", jobs])
                let load = Soak.loadSeconds
                try await Task.sleep(for: .seconds(load))
                let loadEnd = Date()
                let all = ticks.union(hooks)
                #expect(try await Self.settled(configuration, keys: all, upTo: loadEnd, within: 60), "the fires of the load ran")
                #expect(try await fleet.stopAll(), "every instance stops with exit 0")

                // The fires up to the end of the load: each ran, once.
                let everything = try await Self.history(configuration)
                let audit = everything.upTo(loadEnd)
                #expect(audit.duplicateFires.isEmpty, "no fire has two executions: \(audit.duplicateFires.prefix(5))")
                #expect(audit.gaps(keys: all, every: 1).isEmpty, "no fire lost: \(audit.gaps(keys: all, every: 1))")
                #expect(audit.silent(keys: all, since: loadEnd.addingTimeInterval(-2)).isEmpty, "every job fired until the end")
                let retried = audit.executions.filter { !$0.earlierAttempts.isEmpty }
                #expect(retried.isEmpty, "no execution ran a second attempt: \(retried.prefix(3).map(\.earlierAttempts))")
                let unexpected = audit.executions.filter { $0.status != .succeeded }
                #expect(unexpected.isEmpty, "every fire ran (none missed, failed or left running): \(audit.statusCounts)")
                let succeeded = audit.executions.filter { $0.status == .succeeded }
                #expect(succeeded.count >= (count + 12) * Int(load - 4), "the fires ran: \(audit.statusCounts)")
                // Which instance runs what is up to their schedulers' claims (one may take every
                // due job in a pass); that it was one of the three is what is checked.
                let ranOn = Set(succeeded.compactMap(\.instanceId))
                #expect(!ranOn.isEmpty && ranOn.isSubset(of: Set(instances.compactMap(\.instanceId))), "the instances ran the fires: \(ranOn)")

                // What the receiving server saw: each succeeded http.request execution once, nothing else.
                let posted = succeeded.filter { hooks.contains($0.jobKey) }
                #expect(sink.repeatedAttempts.isEmpty, "no attempt delivered twice: \(sink.repeatedAttempts.prefix(3))")
                #expect(Set(sink.deliveries.map(\.executionId)).count == sink.deliveries.count, "no execution id twice at the server")
                let known = Set(everything.executions.map { $0.id.uuidString.lowercased() })
                #expect(sink.deliveries.allSatisfy { known.contains($0.executionId) }, "every delivery is an execution in history")
                let ofTheLoad = Set(audit.executions.map { $0.id.uuidString.lowercased() })
                let deliveries = sink.deliveries.filter { ofTheLoad.contains($0.executionId) }
                #expect(
                    Set(deliveries.map(\.executionId)) == Set(posted.map { $0.id.uuidString.lowercased() }),
                    "the server received exactly the succeeded executions: \(deliveries.count) received, \(posted.count) succeeded")
                let byId = Dictionary(uniqueKeysWithValues: posted.map { ($0.id.uuidString.lowercased(), $0) })
                let mismatched = deliveries.filter { delivery in
                    guard let execution = byId[delivery.executionId] else { return false }
                    return delivery.jobKey != execution.jobKey || delivery.scheduledAt != Timestamp.formatPrecise(execution.scheduledAt)
                        || delivery.attempt != "1"
                }
                #expect(mismatched.isEmpty, "headers name the execution's job, fire time and attempt: \(mismatched.prefix(3))")
            }
        }
    }
}

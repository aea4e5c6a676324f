import Foundation
import KairosCore
import KairosEngine
import KairosStore
import Testing

@testable import KairosDashboard

/// The status page: instances, queue, counts, the last hour's throughput and lag.
@Suite struct DashboardStatusTests {
    @Test func theStatusPageShowsThisInstanceAndTheLastHour() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "quick", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            let execution = try await server.engine.jobs.trigger(id: job.id)
            let session = try await server.signIn(.viewer)
            var page = try await server.request(.GET, "/status", cookies: session.cookies)
            for _ in 0..<50 where !page.body.contains("1 executions finished") {
                try await Task.sleep(for: .milliseconds(100))
                page = try await server.request(.GET, "/status", cookies: session.cookies)
            }
            #expect(page.status == 200)
            #expect(page.body.contains(server.engine.configuration.instanceId))
            #expect(page.body.contains("instance-alive"))
            #expect(page.body.contains("1 executions finished"))
            #expect(page.body.contains("class=\"bar bar-succeeded\""))
            #expect(try await server.engine.store.execution(id: execution.id)?.status == .succeeded)
        }
    }

    @Test func percentilesAreNearestRank() {
        #expect(KairosDashboard.percentile([], 0.5) == nil)
        #expect(KairosDashboard.percentile([7], 0.99) == 7)
        let values = Array(1...100)
        #expect(KairosDashboard.percentile(values, 0.50) == 50)
        #expect(KairosDashboard.percentile(values, 0.99) == 99)
        #expect(KairosDashboard.percentile(values, 1.0) == 100)
    }
}

import Foundation
import KairosCore
import KairosEngine
import KairosStore
import Testing

@testable import KairosDashboard

/// The status page: instances, queue, counts, the last hour's throughput and lag.
@Suite struct DashboardStatusTests {
    @Test(arguments: ["/status", "/upcoming"])
    func theStatusAndUpcomingPagesFollowTheEventStreamAndRefreshThemselves(path: String) async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.viewer)
            let page = try await server.request(.GET, path, cookies: session.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains("<body data-live=\"/api/v1/scheduler/events\" data-refresh>"))
            #expect(page.body.contains("id=\"live-status\""))
        }
    }

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

    @Test func theUpcomingPageShowsBurstsOfJobsFiringOnOneMinute() async throws {
        try await DashboardServer.with { server in
            for key in ["report-a", "report-b", "report-c"] {
                _ = try await server.engine.jobs.create(
                    try JobSpec(key: key, task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            }
            _ = try await server.engine.jobs.create(
                try JobSpec(key: "half-hourly", task: "system.noop", schedule: .cron(try CronSchedule(expression: "15,45 * * * *"))))
            _ = try await server.engine.jobs.create(
                try JobSpec(key: "later", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 0 1 1 *"))))
            let session = try await server.signIn(.viewer)
            let page = try await server.request(.GET, "/upcoming", cookies: session.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains("<code>report-a, report-b, report-c</code>"))
            #expect(page.body.contains("<td class=\"number\">3</td>"))
            #expect(page.body.contains("class=\"bar bar-upcoming\""))
            #expect(page.body.contains("half-hourly"))
            // 48 half-hourly fires and 3 reports; not the yearly job.
            #expect(page.body.contains("51 fires of 4 jobs in the next 24 hours"))
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

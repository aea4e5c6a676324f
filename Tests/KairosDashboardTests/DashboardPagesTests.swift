import Foundation
import KairosCore
import KairosEngine
import KairosStore
import Testing

/// The pages and forms, over loopback against a real server.
@Suite struct DashboardPagesTests {
    @Test func aBadCronExpressionIsShownNextToItsFieldAndNothingTypedIsLost() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let form: [(String, String)] = [
                ("_csrf", session.csrf), ("key", "report"), ("name", "تقرير ليلي"), ("task", "system.noop"), ("args", "{}"),
                ("schedule.type", "cron"), ("schedule.expression", "61 * * * *"), ("schedule.timezone", "Europe/London"),
                ("priority", "5"), ("maxInstances", "1"), ("misfireGraceTime", "60"), ("retry.maxRetries", "0"), ("enabled", "on"),
            ]
            let response = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: form)
            #expect(response.status == 422)
            #expect(response.body.contains("id=\"f-schedule-expression-error\""))
            #expect(response.body.contains("value=\"61 * * * *\""))
            #expect(response.body.contains("value=\"تقرير ليلي\""))
            #expect(response.body.contains("value=\"Europe/London\""))
            #expect(try await server.engine.store.job(key: "report") == nil)

            var fixed = form
            fixed[6] = ("schedule.expression", "0 2 * * *")
            let created = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: fixed)
            #expect(created.status == 303)
            #expect(created.headers.first(name: "Location") == "/jobs/report")
            let job = try #require(try await server.engine.store.job(key: "report"))
            #expect(job.spec.priority == 5)
            #expect(job.spec.paused == false)
            #expect(job.spec.retry.jitter == false)
        }
    }

    @Test func theJobAndExecutionPagesShowAHistory() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "often", task: "system.noop", args: [:], schedule: .cron(try CronSchedule(expression: "0 3 * * *", timeZone: "America/New_York"))))
            let execution = try await server.engine.jobs.trigger(id: job.id)
            let session = try await server.signIn(.viewer)
            let page = try await server.request(.GET, "/jobs/often", cookies: session.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains(execution.id.uuidString))
            #expect(page.body.contains("America/New_York"))
            #expect(page.body.components(separatedBy: "data-local=").count - 1 == 10)
            let executionPage = try await server.request(.GET, "/executions/\(execution.id)", cookies: session.cookies)
            #expect(executionPage.status == 200)
            #expect(executionPage.body.contains("Attempts"))
            let unknown = try await server.request(.GET, "/executions/not-a-uuid", cookies: session.cookies)
            #expect(unknown.status == 404)
        }
    }

    @Test func badListParametersAreAClearError() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.viewer)
            for path in ["/?sort=nope", "/?status=nope", "/?cursor=garbage", "/jobs/x?status=nope"] {
                let response = try await server.request(.GET, path, cookies: session.cookies)
                #expect((400..<500).contains(response.status), "\(path): \(response.status)")
            }
        }
    }
}

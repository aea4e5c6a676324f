import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import Testing

@testable import KairosDashboard

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
            #expect(response.body.contains("<code>url</code> <span class=\"required\">(required)</span>"))
            #expect(response.body.contains(">http or https URL</p>"))

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
            let jobs = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(jobs.body.contains("<svg class=\"sparkline\" viewBox=\"0 0 100 10\" role=\"img\" aria-label=\"Last 1 runs: 1 "))
            let executionPage = try await server.request(.GET, "/executions/\(execution.id)", cookies: session.cookies)
            #expect(executionPage.status == 200)
            #expect(executionPage.body.contains("Attempts"))
            let unknown = try await server.request(.GET, "/executions/not-a-uuid", cookies: session.cookies)
            #expect(unknown.status == 404)
        }
    }

    @Test func theEditFormShowsTheJobAndSavesAChange() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "nightly", name: "Nightly", task: "system.sleep", args: ["seconds": 1],
                    schedule: .cron(try CronSchedule(expression: "0 3 * * *", timeZone: "Asia/Tokyo")), priority: 7))
            let session = try await server.signIn(.operator)
            let form = try await server.request(.GET, "/jobs/nightly/edit", cookies: session.cookies)
            #expect(form.status == 200)
            for value in ["value=\"0 3 * * *\"", "value=\"Asia/Tokyo\"", "value=\"7\"", "name=\"arg.system.sleep.seconds\" type=\"text\" value=\"1\"", "name=\"version\" value=\"1\""] {
                #expect(form.body.contains(value), "\(value)")
            }
            let saved = try await server.request(.POST, "/jobs/nightly/edit", cookies: session.cookies, form: [
                ("_csrf", session.csrf), ("version", "1"), ("name", "Nightly"), ("task", "system.sleep"), ("args", #"{"seconds": 1}"#),
                ("schedule.type", "cron"), ("schedule.expression", "30 4 * * *"), ("schedule.timezone", "Asia/Tokyo"), ("priority", "9"),
                ("enabled", "on"),
            ])
            #expect(saved.status == 303)
            let updated = try #require(try await server.engine.store.job(id: job.id))
            #expect(updated.version == 2)
            #expect(updated.spec.priority == 9)
            #expect(updated.spec.schedule.humanDescription.contains("04:30"))
        }
    }

    @Test func deletingAJobAsksFirst() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "old", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            let session = try await server.signIn(.operator)
            let confirm = try await server.request(.GET, "/jobs/old/delete", cookies: session.cookies)
            #expect(confirm.status == 200)
            #expect(confirm.body.contains("action=\"/jobs/\(job.id.uuidString)/delete\""))
            #expect(try await server.engine.store.job(key: "old") != nil)
            let deleted = try await server.request(.POST, "/jobs/\(job.id)/delete", cookies: session.cookies, form: [("_csrf", session.csrf)])
            #expect(deleted.status == 303)
            #expect(try await server.engine.store.job(key: "old") == nil)
            let page = try await server.request(.GET, "/jobs/old", cookies: session.cookies)
            #expect(page.status == 404)
        }
    }

    @Test func theExecutionsPageListsAndFiltersAcrossJobs() async throws {
        try await DashboardServer.with { server in
            let spec = { (key: String) in
                try JobSpec(key: key, task: "system.sleep", args: ["seconds": 30], schedule: .cron(try CronSchedule(expression: "0 3 * * *")))
            }
            let first = try await server.engine.jobs.create(try spec("first"))
            let second = try await server.engine.jobs.create(try spec("second"))
            let a = try await server.engine.jobs.trigger(id: first.id)
            let b = try await server.engine.jobs.trigger(id: second.id)
            let session = try await server.signIn(.operator)
            let all = try await server.request(.GET, "/executions", cookies: session.cookies)
            #expect(all.status == 200)
            #expect(all.body.contains(a.id.uuidString) && all.body.contains(b.id.uuidString))
            let one = try await server.request(.GET, "/executions?job=second", cookies: session.cookies)
            #expect(!one.body.contains(a.id.uuidString) && one.body.contains(b.id.uuidString))
            let none = try await server.request(.GET, "/executions?status=failed", cookies: session.cookies)
            #expect(!none.body.contains(a.id.uuidString) && none.body.contains("No execution matches"))
            let unknown = try await server.request(.GET, "/executions?job=never-existed", cookies: session.cookies)
            #expect(unknown.status == 400)

            let page = try await server.request(.GET, "/executions/\(a.id)", cookies: session.cookies)
            #expect(page.body.contains("action=\"/executions/\(a.id.uuidString)/cancel\""))
            #expect(page.body.contains("data-live=\"/api/v1/scheduler/events?jobId=\(first.id.uuidString)\""))
            let cancelled = try await server.request(.POST, "/executions/\(a.id)/cancel", cookies: session.cookies, form: [("_csrf", session.csrf)])
            #expect(cancelled.status == 303)
            #expect(try await server.engine.store.execution(id: a.id)?.status == .cancelled)
            let after = try await server.request(.GET, "/executions/\(a.id)", cookies: session.cookies)
            #expect(!after.body.contains("/cancel\""))
            #expect(!after.body.contains("data-live="))
            _ = try await server.engine.jobs.cancel(executionId: b.id)
        }
    }

    @Test func lastOutcomeTimeRangeAndFailedFirstFilterTheLists() async throws {
        try await DashboardServer.with { server in
            let cron = try CronSchedule(expression: "0 3 * * *")
            let good = try await server.engine.jobs.create(try JobSpec(key: "good", task: "system.noop", schedule: .cron(cron)))
            let bad = try await server.engine.jobs.create(
                try JobSpec(key: "bad", task: "http.request", args: ["url": "http://127.0.0.1:1/"], schedule: .cron(cron)))
            _ = try await server.engine.jobs.create(try JobSpec(key: "idle", task: "system.noop", schedule: .cron(cron)))
            let succeeded = try await server.engine.jobs.trigger(id: good.id)
            let failed = try await server.engine.jobs.trigger(id: bad.id)
            let later = try await server.engine.jobs.trigger(id: good.id)
            #expect(try await eventually(within: 10) {
                var statuses: [ExecutionStatus?] = []
                for id in [succeeded.id, failed.id, later.id] { statuses.append(try await server.engine.store.execution(id: id)?.status) }
                return statuses == [.succeeded, .failed, .succeeded]
            })
            let session = try await server.signIn(.viewer)
            func rows(_ path: String) async throws -> [String] {
                let response = try await server.request(.GET, path, cookies: session.cookies)
                #expect(response.status == 200, "\(path): \(response.body)")
                return response.body.components(separatedBy: "data-execution-id=\"").dropFirst().map { String($0.prefix(36)) }
            }
            func jobKeys(_ path: String) async throws -> [String] {
                let response = try await server.request(.GET, path, cookies: session.cookies)
                #expect(response.status == 200, "\(path): \(response.body)")
                return ["bad", "good", "idle"].filter { response.body.contains("<code class=\"key\">\($0)</code>") }
            }
            #expect(try await jobKeys("/?outcome=failed") == ["bad"])
            #expect(try await jobKeys("/?outcome=succeeded") == ["good"])
            #expect(try await jobKeys("/?outcome=never") == ["idle"])
            #expect(try await rows("/executions") == [later.id, failed.id, succeeded.id].map(\.uuidString), "newest first")
            #expect(try await rows("/executions?order=failed-first") == [failed.id, later.id, succeeded.id].map(\.uuidString))
            #expect(try await rows("/executions?order=failed-first&status=succeeded") == [later.id, succeeded.id].map(\.uuidString))
            var times: [Date] = []
            for id in [succeeded.id, failed.id, later.id] { times.append(try #require(try await server.engine.store.execution(id: id)).scheduledAt) }
            let from = KairosDashboard.localInput(times[0].addingTimeInterval(-1))
            #expect(try await rows("/executions?from=\(from)").count == 3)
            let afterAll = Timestamp.formatPrecise(times[2].addingTimeInterval(0.000_001)).replacingOccurrences(of: "+", with: "%2B")
            #expect(try await rows("/executions?from=\(afterAll)").isEmpty, "from is inclusive, to the microsecond: \(afterAll), \(times.map { Timestamp.formatPrecise($0) })")
            let atLater = Timestamp.formatPrecise(times[2]).replacingOccurrences(of: "+", with: "%2B")
            #expect(try await rows("/executions?to=\(atLater)") == [failed.id, succeeded.id].map(\.uuidString), "before is exclusive")
            #expect(try await rows("/executions?from=\(atLater)&order=failed-first") == [later.id.uuidString])
            let page = try await server.request(.GET, "/executions?from=\(from)&order=failed-first", cookies: session.cookies)
            #expect(page.body.contains("value=\"\(from)\""), "the range is kept in the form")
            #expect(page.body.contains("<option value=\"failed-first\" selected>"))
            for path in ["/?outcome=running", "/executions?from=yesterday", "/executions?to=2026-02-30T00:00", "/executions?order=oldest", "/executions?order=failed-first&cursor=nonsense"] {
                let response = try await server.request(.GET, path, cookies: session.cookies)
                #expect(response.status == 400, "\(path): \(response.status)")
            }
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

/// Bad input of each kind is a clear 4xx page, never a 5xx.
@Suite struct DashboardBadInputTests {
    @Test func badInputIsAClientError() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "nightly", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            let undecodable = try await server.request(.GET, "/?q=%ZZ", cookies: session.cookies)
            #expect(undecodable.status == 200)
            let gets = ["/?q=%00", "/?sort=-nextRunAt&cursor=\(String(repeating: "A", count: 5000))", "/jobs/%00",
                        "/jobs/..%2F..", "/executions/00000000-0000-0000-0000-000000000000", "/jobs/nightly?cursor=bad"]
            for path in gets {
                let response = try await server.request(.GET, path, cookies: session.cookies)
                #expect((400..<500).contains(response.status), "GET \(path): \(response.status)")
            }
            let forms: [(String, [(String, String)])] = [
                ("/jobs/\(job.id)/action", [("_csrf", session.csrf), ("action", "explode")]),
                ("/jobs/\(job.id)/action", [("_csrf", session.csrf), ("action", "pause\u{0}")]),
                ("/jobs/new", [("_csrf", session.csrf), ("key", "x"), ("name", "a\u{0}b")]),
                ("/jobs/new", [("_csrf", session.csrf), ("key", "BAD KEY"), ("priority", "high"), ("args", "[1"), ("schedule.type", "interval"),
                               ("schedule.minutes", "1e99"), ("timeout", "nan")]),
                ("/jobs/new", [("_csrf", session.csrf), ("schedule.type", "sometimes")]),
                ("/jobs/nightly/edit", [("_csrf", session.csrf), ("version", "999"), ("task", "system.noop"), ("schedule.type", "cron"), ("schedule.expression", "0 4 * * *")]),
                ("/jobs/missing/delete", [("_csrf", session.csrf)]),
            ]
            for (path, form) in forms {
                let response = try await server.request(.POST, path, cookies: session.cookies, form: form)
                #expect((400..<500).contains(response.status), "POST \(path) \(form.map(\.0)): \(response.status)")
            }
            let notForm = try await server.request(.POST, "/jobs/new", cookies: session.cookies, headers: [("Content-Type", "application/json")], body: "{}")
            #expect(notForm.status == 415)
            let huge = try await server.request(
                .POST, "/jobs/new", cookies: session.cookies, form: [("_csrf", session.csrf), ("description", String(repeating: "x", count: 2 << 20))])
            #expect(huge.status == 413)
            #expect(try await server.engine.store.job(key: "nightly")?.version == 1)
        }
    }
}

/// A job may be keyed `new`, like the new-job form's path: its links go by id.
@Suite struct DashboardJobNamedNewTests {
    @Test func aJobKeyedNewIsLinkedByItsId() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(
                try JobSpec(key: "new", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            let session = try await server.signIn(.operator)
            let list = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(list.body.contains("href=\"/jobs/\(job.id.uuidString)\""))
            let page = try await server.request(.GET, "/jobs/\(job.id.uuidString)", cookies: session.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains("href=\"/jobs/\(job.id.uuidString)/edit\""))
            let form = try await server.request(.GET, "/jobs/new", cookies: session.cookies)
            #expect(form.body.contains("Create job"))
        }
    }
}

import Foundation
import KairosCore
import KairosDashboard
import KairosEngine
import KairosHTTP
import KairosStore
import Testing

/// Signing in, sessions, CSRF, roles and escaping, over loopback against a real server.
@Suite struct DashboardSecurityTests {
    static func cronJob(_ key: String, name: String? = nil) throws -> JobSpec {
        try JobSpec(key: key, name: name, task: "system.noop", args: [:], schedule: .cron(try CronSchedule(expression: "0 3 * * *")))
    }

    @Test func aPageWithoutASessionRedirectsToSignIn() async throws {
        try await DashboardServer.with { server in
            let response = try await server.request(.GET, "/jobs/anything")
            #expect(response.status == 303)
            #expect(response.headers.first(name: "Location") == "/sign-in?next=/jobs/anything")
        }
    }

    @Test func signingInWithAValidKeySetsAStrictHttpOnlySessionCookie() async throws {
        try await DashboardServer.with { server in
            let form = try await server.request(.GET, "/sign-in")
            #expect(form.status == 200)
            let response = try await server.request(
                .POST, "/sign-in", cookies: form.cookies, form: [("_csrf", form.csrfToken ?? ""), ("key", server.keys[.operator]!), ("next", "/jobs/x")])
            #expect(response.status == 303)
            #expect(response.headers.first(name: "Location") == "/jobs/x")
            let cookie = try #require(response.setCookie("kairos_session"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            #expect(!cookie.contains(server.keys[.operator]!))
        }
    }

    @Test func theSessionCookieIsSecureBehindATLSProxy() async throws {
        try await DashboardServer.with { server in
            let form = try await server.request(.GET, "/sign-in")
            let response = try await server.request(
                .POST, "/sign-in", cookies: form.cookies, form: [("_csrf", form.csrfToken ?? ""), ("key", server.keys[.viewer]!)],
                headers: [("X-Forwarded-Proto", "https")])
            #expect(try #require(response.setCookie("kairos_session")).contains("; Secure"))
        }
    }

    @Test func aWrongKeyIsRefusedWithoutASession() async throws {
        try await DashboardServer.with { server in
            let form = try await server.request(.GET, "/sign-in")
            let response = try await server.request(.POST, "/sign-in", cookies: form.cookies, form: [("_csrf", form.csrfToken ?? ""), ("key", "kairos_wrong")])
            #expect(response.status == 401)
            #expect(response.body.contains("That API key is not valid"))
            #expect(response.cookies["kairos_session"] == nil)
        }
    }

    @Test func signInWithoutItsFormTokenIsRefused() async throws {
        try await DashboardServer.with { server in
            let response = try await server.request(.POST, "/sign-in", form: [("key", server.keys[.admin]!)])
            #expect(response.status == 403)
            #expect(response.cookies["kairos_session"] == nil)
        }
    }

    @Test func aFormWithoutTheSessionsCSRFTokenIsRefused() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(try Self.cronJob("nightly"))
            let session = try await server.signIn(.operator)
            for token in ["", "forged", String(session.csrf.reversed())] {
                let response = try await server.request(.POST, "/jobs/\(job.id)/action", cookies: session.cookies, form: [("_csrf", token), ("action", "pause")])
                #expect(response.status == 403)
            }
            #expect(try await server.engine.store.job(id: job.id)?.spec.paused == false)
            let accepted = try await server.request(.POST, "/jobs/\(job.id)/action", cookies: session.cookies, form: [("_csrf", session.csrf), ("action", "pause")])
            #expect(accepted.status == 303)
            #expect(try await server.engine.store.job(id: job.id)?.spec.paused == true)
        }
    }

    @Test func aViewerSeesNoActionsAndAForgedActionIsRefused() async throws {
        try await DashboardServer.with { server in
            let job = try await server.engine.jobs.create(try Self.cronJob("nightly"))
            let session = try await server.signIn(.viewer)
            let page = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(page.status == 200)
            #expect(page.body.contains("nightly"))
            #expect(!page.body.contains("value=\"pause\""))
            #expect(!page.body.contains("New job"))
            let jobPage = try await server.request(.GET, "/jobs/nightly", cookies: session.cookies)
            #expect(!jobPage.body.contains("value=\"pause\""))
            #expect(!jobPage.body.contains("/edit"))
            let forged = try await server.request(.POST, "/jobs/\(job.id)/action", cookies: session.cookies, form: [("_csrf", session.csrf), ("action", "pause")])
            #expect(forged.status == 403)
            #expect(try await server.engine.store.job(id: job.id)?.spec.paused == false)
            let form = try await server.request(.GET, "/jobs/new", cookies: session.cookies)
            #expect(form.status == 403)
        }
    }

    @Test func namesAreEscaped() async throws {
        try await DashboardServer.with { server in
            _ = try await server.engine.jobs.create(try Self.cronJob("xss", name: "<script>alert(1)</script>\"'&"))
            let session = try await server.signIn(.admin)
            for path in ["/", "/jobs/xss", "/jobs/xss/edit", "/jobs/xss/delete"] {
                let page = try await server.request(.GET, path, cookies: session.cookies)
                #expect(page.status == 200, "\(path)")
                #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"), "\(path)")
                #expect(!page.body.contains("<script>alert"), "\(path)")
            }
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await DashboardServer.with { server in
            _ = try await server.engine.jobs.create(try Self.cronJob("nightly"))
            let session = try await server.signIn(.admin)
            for path in ["/sign-in", "/", "/jobs/nightly", "/jobs/new", "/jobs/missing", "/assets/dashboard.css", "/assets/dashboard.js"] {
                let response = try await server.request(.GET, path, cookies: path == "/sign-in" ? [:] : session.cookies)
                let policy = try #require(response.headers.first(name: "Content-Security-Policy"), "\(path)")
                #expect(policy.contains("frame-ancestors 'none'"))
                #expect(policy.contains("script-src 'self'"))
                #expect(!policy.contains("unsafe-inline"))
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            }
            let missing = try await server.request(.GET, "/jobs/missing", cookies: session.cookies)
            #expect(missing.status == 404)
            #expect(missing.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.viewer)
            let response = try await server.request(.POST, "/sign-out", cookies: session.cookies, form: [("_csrf", session.csrf)])
            #expect(response.status == 303)
            #expect(try #require(response.setCookie("kairos_session")).contains("Max-Age=0"))
            let after = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(after.status == 303)
        }
    }

    @Test func aSessionSurvivesARestartAndEndsEverywhereOnSignOut() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-dashboard-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try await DashboardServer.with(directory: directory) { server in try await server.signIn(.operator) }
        try await DashboardServer.with(directory: directory) { server in
            let page = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(page.status == 200, "the session signed in before the restart still works")
            #expect(page.csrfToken == session.csrf, "with the same CSRF token")
            let list = try await server.request(.GET, "/api/v1/scheduler/jobs?limit=1", cookies: session.cookies)
            #expect(list.status == 200, "and it vouches for the API routes of the restarted server: \(list.status)")
            let signedOut = try await server.request(.POST, "/sign-out", cookies: session.cookies, form: [("_csrf", session.csrf)])
            #expect(signedOut.status == 303)
        }
        try await DashboardServer.with(directory: directory) { server in
            let after = try await server.request(.GET, "/", cookies: session.cookies)
            #expect(after.status == 303, "signed out for every instance")
        }
    }

    @Test func theSessionCallsTheAPIOnlyWithItsCSRFTokenForChanges() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.viewer)
            let preview = #"{"expression": "0 2 * * *", "count": 2}"#
            let json = [("Content-Type", "application/json")]
            let withoutToken = try await server.request(.POST, "/api/v1/scheduler/cron/preview", cookies: session.cookies, headers: json, body: preview)
            #expect(withoutToken.status == 401)
            let withToken = try await server.request(
                .POST, "/api/v1/scheduler/cron/preview", cookies: session.cookies, headers: json + [("X-CSRF-Token", session.csrf)], body: preview)
            #expect(withToken.status == 200)
            let read = try await server.request(.GET, "/api/v1/scheduler/jobs", cookies: session.cookies)
            #expect(read.status == 200)
            let change = try await server.request(
                .POST, "/api/v1/scheduler/jobs", cookies: session.cookies, headers: json + [("X-CSRF-Token", session.csrf)], body: "{}")
            #expect(change.status == 403)
        }
    }
}

/// Mounting the dashboard leaves the API as it was: same route table, same answers without a session.
@Suite struct DashboardMountTests {
    @Test func theAPIIsUnchangedBesideTheDashboard() async throws {
        try await DashboardServer.with { server in
            var api = KairosAPI(engine: server.engine)
            let before = api.routes
            api.additions = [KairosDashboard(api: api)]
            #expect(api.routes == before)
            #expect(!api.routes.contains { !$0.path.hasPrefix("/api/") && !["/health", "/ready", "/metrics", "/openapi.json"].contains($0.path) })

            let anonymous = try await server.request(.GET, "/api/v1/scheduler/jobs")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first(name: "Content-Type") == "application/problem+json")
            let bearer = try await server.request(.GET, "/api/v1/scheduler/jobs", headers: [("Authorization", "Bearer \(server.keys[.viewer]!)")])
            #expect(bearer.status == 200)
            let unknownCookie = try await server.request(.GET, "/api/v1/scheduler/jobs", cookies: ["kairos_session": "forged"])
            #expect(unknownCookie.status == 401)
            let unknownRoute = try await server.request(.GET, "/api/v1/nothing-here")
            #expect(unknownRoute.status == 404)
            #expect(unknownRoute.headers.first(name: "Content-Type") == "application/problem+json")
        }
    }
}

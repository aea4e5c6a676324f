import AsyncHTTPClient
import Foundation
import KairosCore
import KairosHTTP
import KairosStore
import NIOCore
import KairosTestSupport
import Testing

/// Executions, status, cron preview, tasks, live events, keys, health, readiness and metrics.
@Suite("Scheduler API")
struct SchedulerAPITests {
    @Test("executions: one by id, the global list with filters, cancel a queued one")
    func executions() async throws {
        try await TestServer.with(roles: [.api]) { server in
            // API-only: nothing runs, so a triggered execution stays queued.
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("queued-job"))
            let triggered = try await server.request(.POST, "/api/v1/scheduler/jobs/queued-job/action", key: server.operator, json: #"{"action": "trigger"}"#)
            let id = try #require(triggered.json["id"]?.stringValue)
            let list = try await server.request(.GET, "/api/v1/scheduler/executions?status=queued", key: server.viewer)
            #expect(list.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [id])
            let byJob = try await server.request(.GET, "/api/v1/scheduler/executions?jobId=\(triggered.json["jobId"]?.stringValue ?? "")", key: server.viewer)
            #expect(byJob.json["items"]?.arrayValue?.count == 1)
            let cancelled = try await server.request(.POST, "/api/v1/scheduler/executions/\(id)/cancel", key: server.operator)
            #expect(cancelled.status == 200)
            #expect(cancelled.json["status"] == "cancelled")
            let again = try await server.request(.POST, "/api/v1/scheduler/executions/\(id)/cancel", key: server.operator)
            #expect(again.status == 409, "a finished execution cannot be cancelled")
            #expect(try await server.request(.GET, "/api/v1/scheduler/executions/\(UUID())", key: server.viewer).status == 404)
            #expect(try await server.request(.GET, "/api/v1/scheduler/executions/not-a-uuid", key: server.viewer).status == 404)
            let badFilter = try await server.request(.GET, "/api/v1/scheduler/executions?jobId=x", key: server.viewer)
            #expect(badFilter.status == 400)
            #expect(badFilter.problemFields == ["jobId"])
        }
    }

    @Test("a job's history and the jobId filter take a key: the live job's, else the one deleted last")
    func historyByKey() async throws {
        try await TestServer.with(roles: [.api]) { server in
            func ids(_ path: String) async throws -> [String] {
                let response = try await server.request(.GET, path, key: server.viewer)
                #expect(response.status == 200, "\(path): \(response.text)")
                return response.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            func createAndTrigger() async throws -> (jobId: String, executionId: String) {
                _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("keyed"))
                let triggered = try await server.request(.POST, "/api/v1/scheduler/jobs/keyed/action", key: server.operator, json: #"{"action": "trigger"}"#)
                return (try #require(triggered.json["jobId"]?.stringValue), try #require(triggered.json["id"]?.stringValue))
            }
            let first = try await createAndTrigger()
            #expect(try await ids("/api/v1/scheduler/executions?jobId=keyed") == [first.executionId])
            #expect(try await server.request(.DELETE, "/api/v1/scheduler/jobs/keyed", key: server.operator).status == 204)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs/keyed", key: server.viewer).status == 404, "the job itself is gone")
            #expect(try await ids("/api/v1/scheduler/jobs/keyed/history") == [first.executionId], "its history stays, by key")
            #expect(try await ids("/api/v1/scheduler/jobs/\(first.jobId)/history") == [first.executionId], "and by id")
            #expect(try await ids("/api/v1/scheduler/executions?jobId=keyed") == [first.executionId])

            let second = try await createAndTrigger()
            #expect(try await ids("/api/v1/scheduler/jobs/keyed/history") == [second.executionId], "the key names the live job again")
            #expect(try await ids("/api/v1/scheduler/executions?jobId=keyed") == [second.executionId])
            #expect(try await ids("/api/v1/scheduler/jobs/\(first.jobId)/history") == [first.executionId])

            let never = try await server.request(.GET, "/api/v1/scheduler/executions?jobId=never-existed", key: server.viewer)
            #expect(never.status == 400 && never.problemFields == ["jobId"], "\(never.text)")
            #expect(never.json["detail"]?.stringValue?.contains("never-existed") == true)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs/never-existed/history", key: server.viewer).status == 404)
        }
    }

    @Test("status shows this instance, queue depth, counts and the next fires")
    func status() async throws {
        try await TestServer.with { server in
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("hourly"))
            #expect(try await eventually(within: 10) {
                try await server.request(.GET, "/api/v1/scheduler/status", key: server.viewer).json["instance"] != .null
            }, "the heartbeat registers the instance")
            let status = try await server.request(.GET, "/api/v1/scheduler/status", key: server.viewer)
            #expect(status.status == 200)
            #expect(status.json["instance"]?["id"]?.stringValue == server.engine.configuration.instanceId)
            #expect(status.json["instance"]?["alive"] == true)
            #expect(status.json["instance"]?["roles"] == ["api", "scheduler", "worker"])
            #expect(status.json["instances"]?.arrayValue?.count == 1)
            #expect(status.json["queueDepth"]?.intValue == 0)
            #expect(status.json["jobs"]?["active"] == 1)
            #expect(status.json["executions"]?["succeeded"] == 0)
            #expect(status.json["nextFires"]?.arrayValue?.first?["jobKey"] == "hourly")
        }
    }

    @Test("cron preview: valid expressions get a description and fires, invalid ones the field errors")
    func cronPreview() async throws {
        try await TestServer.with { server in
            let valid = try await server.request(
                .POST, "/api/v1/scheduler/cron/preview", key: server.viewer,
                json: #"{"expression": "30 2 * * *", "timezone": "America/New_York", "count": 3, "after": "2026-03-07T12:00:00Z"}"#)
            #expect(valid.status == 200)
            #expect(valid.json["valid"] == true)
            #expect(valid.json["description"]?.stringValue?.isEmpty == false)
            #expect(valid.json["nextFires"] == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"],
                "the 02:30 that does not exist on the spring-forward day runs at 03:00")
            let invalid = try await server.request(
                .POST, "/api/v1/scheduler/cron/preview", key: server.viewer, json: #"{"expression": "61 * * * *", "timezone": "Mars/Base"}"#)
            #expect(invalid.status == 200)
            #expect(invalid.json["valid"] == false)
            #expect(invalid.problemFields == ["expression", "timezone"])
            let malformed = try await server.request(.POST, "/api/v1/scheduler/cron/preview", key: server.viewer, json: #"{"count": 1000, "when": 1}"#)
            #expect(malformed.status == 422)
            #expect(malformed.problemFields == ["count", "expression", "when"])
        }
    }

    @Test("a known path with another method is 405 with Allow; an unknown path is 404")
    func methodNotAllowed() async throws {
        try await TestServer.with { server in
            let wrongMethod = try await server.request(.DELETE, "/api/v1/scheduler/status", key: server.admin)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers.first(name: "Allow") == "GET, HEAD")
            #expect(wrongMethod.contentType == "application/problem+json")
            let withParameter = try await server.request(.GET, "/api/v1/scheduler/executions/\(UUID())/cancel", key: server.admin)
            #expect(withParameter.status == 405)
            #expect(withParameter.headers.first(name: "Allow") == "POST")
            #expect(try await server.request(.GET, "/api/v1/scheduler/nothing", key: server.admin).status == 404)
        }
    }

    @Test("HEAD answers every GET route with the GET's status and headers and no body, keys checked as for GET")
    func head() async throws {
        try await TestServer.with { server in
            #expect(try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("headed")).status == 201)
            let health = try await server.request(.HEAD, "/health", key: nil)
            #expect(health.status == 200)
            #expect(health.body.isEmpty)
            let get = try await server.request(.GET, "/api/v1/scheduler/jobs/headed", key: server.viewer)
            let head = try await server.request(.HEAD, "/api/v1/scheduler/jobs/headed", key: server.viewer)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.headers.first(name: "ETag") == get.headers.first(name: "ETag"))
            #expect(head.contentType == "application/json")
            #expect(try await server.request(.HEAD, "/api/v1/scheduler/jobs/headed", key: nil).status == 401)
            #expect(try await server.request(.HEAD, "/api/v1/scheduler/jobs/missing", key: server.viewer).status == 404)
            #expect(try await server.request(.HEAD, "/api/v1/keys", key: server.viewer).status == 403)
            // The event stream's head only: no subscription is left behind.
            for _ in 0..<3 {
                #expect(try await server.request(.HEAD, "/api/v1/scheduler/events", key: server.viewer).status == 200)
            }
            #expect(server.engine.events.subscriberCount == 0)
            // HEAD is not a way around a route's method.
            let post = try await server.request(.HEAD, "/api/v1/scheduler/executions/\(UUID())/cancel", key: server.admin)
            #expect(post.status == 405)
        }
    }

    @Test("tasks lists every registered task")
    func tasks() async throws {
        try await TestServer.with { server in
            let tasks = try await server.request(.GET, "/api/v1/scheduler/tasks", key: server.viewer)
            let names = tasks.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names == server.engine.registry.names)
            #expect(names.contains("http.request"))
            for task in tasks.json["items"]?.arrayValue ?? [] {
                #expect(task["summary"]?.stringValue?.isEmpty == false, "\(task["name"] ?? .null) has a summary")
                #expect(task["argumentSchema"]?["type"] == "object")
            }
            let http = tasks.json["items"]?.arrayValue?.first { $0["name"] == "http.request" }
            #expect(http?["argumentSchema"]?["required"] == ["url"])
        }
    }

    @Test("events stream job and execution events as Server-Sent Events")
    func events() async throws {
        try await TestServer.with { server in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                var request = HTTPClientRequest(url: server.baseURL + "/api/v1/scheduler/events")
                request.headers.add(name: "Authorization", value: "Bearer \(server.viewer)")
                let response = try await client.execute(request, timeout: .seconds(30))
                #expect(response.status.code == 200)
                #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
                var received = ""
                var chunks = response.body.makeAsyncIterator()
                if let first = try await chunks.next() { received += String(buffer: first) }
                #expect(received.hasPrefix(": connected"))
                _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("streamed"))
                _ = try await server.request(.POST, "/api/v1/scheduler/jobs/streamed/action", key: server.operator, json: #"{"action": "trigger"}"#)
                for _ in 0..<50 where !received.contains("event: execution.succeeded") {
                    guard let chunk = try await chunks.next() else { break }
                    received += String(buffer: chunk)
                }
                #expect(received.contains("event: job.added\ndata: {"))
                #expect(received.contains("event: execution.submitted"))
                #expect(received.contains("event: execution.succeeded"))
                #expect(received.contains("\"jobKey\":\"streamed\""))
            } catch {
                try? await client.shutdown()
                throw error
            }
            try? await client.shutdown()
        }
    }

    @Test("keys: admins create (secret shown once), list and revoke; the last admin key cannot be revoked")
    func keys() async throws {
        try await TestServer.with { server in
            let created = try await server.request(.POST, "/api/v1/keys", key: server.admin, json: #"{"name": "deploy", "role": "operator"}"#)
            #expect(created.status == 201)
            let secret = try #require(created.json["secret"]?.stringValue)
            #expect(secret.hasPrefix("kairos_"))
            #expect(created.json["prefix"]?.stringValue.map { secret.hasPrefix($0) } == true)
            let list = try await server.request(.GET, "/api/v1/keys", key: server.admin)
            #expect(list.json["items"]?.arrayValue?.count == 4)
            #expect(!list.text.contains(secret), "a list never shows secrets")
            #expect(try await server.store.listAPIKeys(includeRevoked: true).allSatisfy { !$0.hash.contains(secret) && $0.hash.count == 64 })
            let invalid = try await server.request(.POST, "/api/v1/keys", key: server.admin, json: #"{"name": "", "role": "root"}"#)
            #expect(invalid.status == 422)
            #expect(invalid.problemFields == ["name", "role"])
            let admins = try await server.store.listAPIKeys(includeRevoked: false).filter { $0.role == .admin }
            let lastAdmin = try await server.request(.DELETE, "/api/v1/keys/\(admins[0].id)", key: server.admin)
            #expect(lastAdmin.status == 409)
            #expect(try await server.request(.DELETE, "/api/v1/keys/\(UUID())", key: server.admin).status == 404)
        }
    }

    @Test("cancelling a running execution of a job with retries: it stays cancelled, is not retried, and /metrics counts it cancelled")
    func cancelRunningWithRetries() async throws {
        try await TestServer.with { server in
            let body = #"""
                {"key": "long-sleep", "task": "system.sleep", "args": {"seconds": 30}, "schedule": {"type": "date", "runAt": "2099-01-01T00:00:00Z"},
                 "retry": {"maxRetries": 2, "backoff": {"initial": 0.1, "max": 1, "multiplier": 2}}}
                """#
            #expect(try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body).status == 201)
            let triggered = try await server.request(.POST, "/api/v1/scheduler/jobs/long-sleep/action", key: server.operator, json: #"{"action": "trigger"}"#)
            let id = try #require(triggered.json["id"]?.stringValue)
            #expect(try await eventually(within: 10) {
                let running = try await server.request(.GET, "/api/v1/scheduler/executions/\(id)", key: server.viewer).json
                return running["status"] == "running" && running["startedAt"]?.stringValue != nil
            }, "a running execution shows when it started")
            #expect(try await server.request(.POST, "/api/v1/scheduler/executions/\(id)/cancel", key: server.operator).status == 200)
            // Longer than the retry backoff: a retry would have queued the execution again.
            try await Task.sleep(for: .milliseconds(500))
            let metrics = try await server.request(.GET, "/metrics", key: server.viewer).text
            let cancelledSeries = metrics.split(separator: "\n").first { $0.hasPrefix("kairos_executions_total") && $0.contains(#"status="cancelled""#) }
            #expect(cancelledSeries.map { !$0.hasSuffix(" 0") } == true, "counted cancelled: \(cancelledSeries ?? "no series")")
            let execution = try await server.request(.GET, "/api/v1/scheduler/executions/\(id)", key: server.viewer)
            #expect(execution.json["status"] == "cancelled")
            #expect(execution.json["attempt"] == 1)
            #expect(execution.json["startedAt"]?.stringValue != nil && execution.json["finishedAt"]?.stringValue != nil)
            #expect(execution.json["durationMs"]?.intValue.map { $0 >= 0 && $0 < 30_000 } == true, "cancelled while running, it has a duration: \(execution.text)")
        }
    }

    @Test("an execution retried keeps every attempt: number, instance, start, end, outcome and error")
    func attemptsKept() async throws {
        try await TestServer.with { server in
            let body = #"""
                {"key": "unreachable", "task": "http.request", "args": {"url": "http://127.0.0.1:1/"}, "schedule": {"type": "date", "runAt": "2099-01-01T00:00:00Z"},
                 "retry": {"maxRetries": 1, "backoff": {"initial": 0.1}, "jitter": false}}
                """#
            #expect(try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body).status == 201)
            let triggered = try await server.request(.POST, "/api/v1/scheduler/jobs/unreachable/action", key: server.operator, json: #"{"action": "trigger"}"#)
            #expect(triggered.json["attempts"] == .array([]), "nothing ran yet")
            let id = try #require(triggered.json["id"]?.stringValue)
            #expect(try await eventually(within: 10) {
                try await server.request(.GET, "/api/v1/scheduler/executions/\(id)", key: server.viewer).json["status"] == "failed"
            })
            let execution = try await server.request(.GET, "/api/v1/scheduler/executions/\(id)", key: server.viewer).json
            let attempts = try #require(execution["attempts"]?.arrayValue)
            #expect(attempts.map { $0["attempt"] } == [1, 2])
            #expect(attempts.map { $0["status"] } == ["failed", "failed"])
            for attempt in attempts {
                #expect(attempt["instanceId"]?.stringValue?.isEmpty == false)
                #expect(attempt["startedAt"]?.stringValue != nil && attempt["finishedAt"]?.stringValue != nil && attempt["durationMs"]?.intValue != nil)
                #expect(attempt["error"]?["message"]?.stringValue?.contains("connection refused: 127.0.0.1:1") == true, "\(attempt)")
            }
            #expect(attempts[0]["startedAt"] != attempts[1]["startedAt"], "attempt 1's start is not overwritten by attempt 2's")
            #expect(execution["attempt"] == 2 && execution["startedAt"] == attempts[1]["startedAt"], "the top level is the latest attempt")
            let history = try await server.request(.GET, "/api/v1/scheduler/jobs/unreachable/history", key: server.viewer).json
            #expect(history["items"]?.arrayValue?.first?["attempts"]?.arrayValue?.count == 2)
        }
    }

    @Test("health and ready need no key; metrics need a viewer key and show executions, queue depth and HTTP requests")
    func healthReadyMetrics() async throws {
        try await TestServer.with { server in
            let health = try await server.request(.GET, "/health", key: nil)
            #expect(health.status == 200)
            #expect(health.json["status"] == "ok")
            let ready = try await server.request(.GET, "/ready", key: nil)
            #expect(ready.status == 200)
            let migrations = try await server.store.appliedMigrations()
            #expect(ready.json["migrations"]?.arrayValue?.count == migrations.count)
            #expect(try await server.request(.GET, "/openapi.json", key: nil).status == 200)
            #expect(try await server.request(.GET, "/metrics", key: nil).status == 401)
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: JobsAPITests.body("metered"))
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs/metered/action", key: server.operator, json: #"{"action": "trigger"}"#)
            #expect(try await eventually(within: 10) {
                try await server.request(.GET, "/api/v1/scheduler/jobs/metered", key: server.viewer).json["lastStatus"] == "succeeded"
            })
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs/no-such-job", key: server.viewer).status == 404)
            let metrics = try await server.request(.GET, "/metrics", key: server.viewer)
            #expect(metrics.status == 200)
            #expect(metrics.contentType?.hasPrefix("text/plain") == true)
            for name in ["kairos_executions_total", "kairos_execution_duration_seconds", "kairos_schedule_lag_seconds", "kairos_queue_depth", "kairos_jobs{state=\"active\"}", "hb_requests"] {
                #expect(metrics.text.contains(name), "\(name) in /metrics")
            }
            // HTTP requests by route, method and status, counted and timed.
            let route = #"http_route="/api/v1/scheduler/jobs/{job}",http_request_method="GET""#
            for series in [
                #"hb_requests{\#(route),http_response_status_code="200"}"#, #"hb_requests{\#(route),http_response_status_code="404"}"#,
                #"http_server_request_duration_count{\#(route),http_response_status_code="200"}"#,
                #"hb_requests{http_route="/api/v1/scheduler/jobs",http_request_method="POST",http_response_status_code="201"}"#,
            ] {
                #expect(metrics.text.contains(series + " "), "\(series) in /metrics")
            }
            #expect(!metrics.text.contains(#"error_type="200""#), "no error series for successful requests")
        }
    }

    @Test("--public-metrics serves /metrics without a key; with auth disabled every route is open")
    func openModes() async throws {
        try await TestServer.with(api: APIConfiguration(port: 0, publicMetrics: true)) { (server: TestServer) async throws in
            #expect(try await server.request(.GET, "/metrics", key: nil).status == 200)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs", key: nil).status == 401)
        }
        try await TestServer.with(api: APIConfiguration(port: 0, authEnabled: false)) { (server: TestServer) async throws in
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs", key: nil).status == 200)
            #expect(try await server.request(.POST, "/api/v1/scheduler/jobs", key: nil, json: JobsAPITests.body("open")).status == 201)
        }
    }

    @Test("--no-auth is refused unless the server listens on loopback", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("0.0.0.0", false), ("192.168.1.10", false), ("example.com", false),
    ])
    func noAuthOnlyOnLoopback(host: String, allowed: Bool) {
        let configuration = APIConfiguration(host: host, authEnabled: false)
        #expect((try? configuration.validate()) != nil || !allowed)
        #expect((try? configuration.validate()) == nil || allowed)
    }

    @Test("jobs created over the API survive a restart and keep firing")
    func restart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestServer.with(directory: directory) { server in
            let created = try await server.request(
                .POST, "/api/v1/scheduler/jobs", key: server.operator,
                json: #"{"key": "every-second", "task": "system.noop", "schedule": {"type": "interval", "seconds": 1}}"#)
            #expect(created.status == 201)
            #expect(try await eventually(within: 10) {
                try await server.store.history(HistoryQuery(statuses: [.succeeded])).items.count >= 1
            })
        }
        let stoppedAt = Date()
        try await TestServer.with(directory: directory) { server in
            let job = try await server.request(.GET, "/api/v1/scheduler/jobs/every-second", key: server.viewer)
            #expect(job.status == 200)
            #expect(try await eventually(within: 10) {
                try await server.store.history(HistoryQuery(statuses: [.succeeded])).items.contains { ($0.startedAt ?? .distantPast) > stoppedAt }
            }, "fires after the restart")
        }
    }
}

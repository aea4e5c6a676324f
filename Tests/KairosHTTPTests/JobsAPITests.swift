import Foundation
import KairosCore
import KairosHTTP
import KairosStore
import KairosTestSupport
import NIOHTTP1
import Testing

/// The job routes end to end over loopback: create, read by id and key, list with filters and
/// pagination, replace and patch with `If-Match`, delete, actions and history.
@Suite("Jobs API")
struct JobsAPITests {
    static let noop = #"{"key": "%@", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}"#

    static func body(_ key: String) -> String { noop.replacingOccurrences(of: "%@", with: key) }

    @Test("create answers 201 with Location and ETag; the job reads back by id and by key")
    func createAndGet() async throws {
        try await TestServer.with { server in
            let created = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("report.daily"))
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(created.headers.first(name: "Location") == "/api/v1/scheduler/jobs/\(id)")
            #expect(created.headers.first(name: "ETag") == "\"1\"")
            #expect(created.json["version"] == 1)
            #expect(created.json["scheduleDescription"] == "every 1 hour")
            #expect(created.json["nextRunAt"]?.stringValue != nil)
            for reference in [id, "report.daily"] {
                let got = try await server.request(.GET, "/api/v1/scheduler/jobs/\(reference)", key: server.viewer)
                #expect(got.status == 200)
                #expect(got.json["key"] == "report.daily")
                #expect(got.json["id"]?.stringValue == id)
            }
            let missing = try await server.request(.GET, "/api/v1/scheduler/jobs/nope", key: server.viewer)
            #expect(missing.status == 404)
            #expect(missing.contentType == "application/problem+json")
            let cutOff = try await server.request(.GET, "/api/v1/scheduler/jobs/report.daily%00x", key: server.viewer)
            #expect(cutOff.status == 404, "not report.daily, whose key the text starts with: \(cutOff.text)")
            let taken = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("report.daily"))
            #expect(taken.status == 409)
        }
    }

    @Test("a job read again after it ran shows the scheduler's nextRunAt, lastRunAt and lastStatus")
    func readsFollowTheScheduler() async throws {
        try await TestServer.with { server in
            // Created paused, so that the first read comes before any run however slow the
            // machine (a read a second late found the job run already).
            let body = #"{"key": "tick", "task": "system.noop", "paused": true, "schedule": {"type": "interval", "seconds": 1}}"#
            let created = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body)
            let first = try await server.request(.GET, "/api/v1/scheduler/jobs/tick", key: server.viewer)
            #expect(first.json["lastRunAt"] == .null)
            #expect(first.json["lastStatus"] == .null)
            let resumed = try await server.request(.POST, "/api/v1/scheduler/jobs/tick/action", key: server.operator, json: #"{"action": "resume"}"#)
            #expect(resumed.status == 200)
            var latest = first
            #expect(try await eventually(within: 5) {
                latest = try await server.request(.GET, "/api/v1/scheduler/jobs/tick", key: server.viewer)
                return latest.json["lastStatus"] == "succeeded"
            })
            let lastRunAt = try #require(latest.json["lastRunAt"]?.stringValue)
            let nextRunAt = try #require(latest.json["nextRunAt"]?.stringValue)
            #expect(lastRunAt < nextRunAt)
            // The fires go on: later reads show the later times.
            #expect(try await eventually(within: 5) {
                latest = try await server.request(.GET, "/api/v1/scheduler/jobs/tick", key: server.viewer)
                return (latest.json["nextRunAt"]?.stringValue ?? "") > nextRunAt && (latest.json["lastRunAt"]?.stringValue ?? "") > lastRunAt
            })
            #expect(latest.json["version"] == 2, "created and resumed; the runs change no version")
            #expect(latest.json["createdAt"] == created.json["createdAt"])
            #expect(latest.json["id"] == created.json["id"])
        }
    }

    @Test("a partial retry.backoff is completed with its defaults; a bad member is named under retry.backoff")
    func partialBackoff() async throws {
        try await TestServer.with { server in
            let partial = #"{"key": "partial", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5}, "retry": {"maxRetries": 1, "backoff": {"initial": 1}, "note": "x"}}"#
            let created = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: partial)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["retry"]?["backoff"] == ["initial": 1, "max": 600, "multiplier": 2])
            let bad = #"{"key": "bad", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5}, "retry": {"maxRetries": 1, "backoff": {"initial": "soon"}}}"#
            let refused = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: bad)
            #expect(refused.status == 422)
            #expect(refused.problemFields == ["retry.backoff.initial"], "\(refused.text)")
        }
    }

    @Test("bad input gets a 422 problem naming every invalid field")
    func validation() async throws {
        try await TestServer.with { server in
            let body = #"""
                {"key": "Bad Key", "task": "http.request", "args": {"url": "ftp://x"},
                 "schedule": {"type": "cron", "expression": "61 * * * *", "timezone": "Mars/Base"},
                 "maxInstances": 11, "misfireGraceTime": 0, "retry": {"maxRetries": 99}, "colour": "red"}
                """#
            let response = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body)
            #expect(response.status == 422)
            #expect(response.contentType == "application/problem+json")
            #expect(response.json["status"] == 422)
            let fields = response.problemFields
            for field in ["key", "schedule.expression", "schedule.timezone", "maxInstances", "misfireGraceTime", "retry.maxRetries", "colour"] {
                #expect(fields.contains(field), "\(field) named in \(fields)")
            }
            let taskArgs = try await server.request(
                .POST, "/api/v1/scheduler/jobs", key: server.operator,
                json: #"{"key": "ping", "task": "http.request", "args": {"url": "ftp://x"}, "schedule": {"type": "interval", "minutes": 5}}"#)
            #expect(taskArgs.status == 422)
            #expect(taskArgs.problemFields.contains { $0.hasPrefix("args.") }, "the task's own validation names args fields: \(taskArgs.text)")
            let unknownTask = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator,
                json: #"{"key": "x", "task": "no.such", "schedule": {"type": "interval", "minutes": 5}}"#)
            #expect(unknownTask.problemFields == ["task"])
            let nul = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator,
                json: #"{"key": "x", "name": "a\u0000b", "task": "system.noop", "schedule": {"type": "interval", "minutes": 5}}"#)
            #expect(nul.status == 422, "a NUL would be cut off by SQLite: \(nul.text)")
            #expect(nul.problemFields == ["name"])
            let past = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator,
                json: #"{"key": "too-late", "task": "system.noop", "schedule": {"type": "date", "runAt": "2020-01-01T00:00:00Z"}}"#)
            #expect(past.status == 422, "it would only be recorded missed: \(past.text)")
            #expect(past.problemFields == ["schedule.runAt"])
            #expect(past.text.contains("in the past"), "\(past.text)")
            #expect(try await server.store.listJobs(JobQuery()).items.isEmpty, "nothing was saved")
        }
    }

    /// Bug 8 of issue #11: the task's argument errors came only once the job fields were fixed.
    @Test("invalid job fields and invalid task arguments are named in one answer", arguments: [HTTPMethod.POST, .PUT, .PATCH])
    func fieldsAndArgumentsAtOnce(method: HTTPMethod) async throws {
        try await TestServer.with { server in
            let existing = #"{"key": "ping", "task": "http.request", "args": {"url": "https://example.com"}, "schedule": {"type": "interval", "minutes": 5}}"#
            #expect(try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: existing).status == 201)
            let bad = #"""
                {"key": "ping", "task": "http.request", "args": {"url": "ftp://x", "headers": {"A": 1}},
                 "schedule": {"type": "interval", "minutes": 5}, "priority": "high", "maxInstances": 11, "timeout": 0}
                """#
            let path = method == .POST ? "/api/v1/scheduler/jobs" : "/api/v1/scheduler/jobs/ping"
            let response = try await server.request(method, path, key: server.operator, json: bad)
            #expect(response.status == 422)
            #expect(response.problemFields == ["args.headers.A", "args.url", "maxInstances", "priority", "timeout"], "\(response.text)")
        }
    }

    @Test("malformed, non-JSON, oversized and non-object bodies", arguments: [
        ("{\"key\":", "application/json", 400),
        ("key=x", "application/x-www-form-urlencoded", 415),
        ("[1, 2]", "application/json", 422),
        ("\"text\"", "application/json", 422),
    ])
    func badBodies(body: String, contentType: String, status: Int) async throws {
        try await TestServer.with { server in
            let response = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body, contentType: contentType)
            #expect(response.status == status, "\(response.text)")
            #expect(response.contentType == "application/problem+json")
        }
    }

    /// Bug 9 of issue #11: Foundation's decoder accepted these, and a repeated member kept one of its values.
    @Test("a trailing comma or a repeated member name is a 400 naming the problem and where", arguments: [
        (#"{"key": "dup", "key": "dup2", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}"#,
         "duplicate member 'key' at byte 15", "key", "duplicateMember"),
        (#"{"key": "a", "task": "system.noop", "schedule": {"type": "interval", "hours": 1, "type": "cron"}}"#,
         "duplicate member 'type' at byte 81 (schedule.type)", "schedule.type", "duplicateMember"),
        (#"{"key": "a", "task": "system.noop", "schedule": {"type": "interval", "hours": 1},}"#,
         "trailing comma at byte 80", "", "trailingComma"),
        (#"{"key": "a", "task": "system.noop", "args": {}, "schedule": {"type": "interval", "hours": 1}, "tags": [1, 2,]}"#,
         "trailing comma at byte 107 in tags", "tags", "trailingComma"),
    ])
    func strictJSON(body: String, message: String, field: String, code: String) async throws {
        try await TestServer.with { server in
            let response = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: body)
            #expect(response.status == 400)
            #expect(response.contentType == "application/problem+json")
            #expect(response.json["detail"] == .string("the request body is not valid JSON: \(message)"), "\(response.text)")
            #expect(response.json["errors"] == [["field": .string(field), "code": .string(code), "message": .string(message)]])
            #expect(try await server.store.listJobs(JobQuery()).items.isEmpty, "nothing was saved")
        }
    }

    @Test("a body over --max-body is refused with 413, and so is a missing Content-Type with 415")
    func bodyLimits() async throws {
        try await TestServer.with(api: APIConfiguration(port: 0, maxBodySize: 4096)) { server in
            let big = #"{"key": "big", "task": "system.noop", "description": "\#(String(repeating: "x", count: 10_000))", "schedule": {"type": "interval", "hours": 1}}"#
            let tooLarge = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: big)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.contentType == "application/problem+json")
            var request = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: nil)
            #expect(request.status == 415)
            request = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("ok"))
            #expect(request.status == 201, "a body under the limit still works")
        }
    }

    @Test("list: filters, limits and cursor pagination across pages")
    func listAndPaginate() async throws {
        try await TestServer.with { server in
            for index in 0..<7 {
                _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("job-\(index)"))
            }
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs/job-3/action", key: server.operator, json: #"{"action": "pause"}"#)
            var keys: [String] = []
            var cursor: String?
            for _ in 0..<10 {
                let path = "/api/v1/scheduler/jobs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request(.GET, path, key: server.viewer)
                #expect(page.status == 200)
                keys += (page.json["items"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
                cursor = page.json["nextCursor"]?.stringValue
                if cursor == nil { break }
            }
            #expect(keys == (0..<7).map { "job-\($0)" })
            let paused = try await server.request(.GET, "/api/v1/scheduler/jobs?status=paused", key: server.viewer)
            #expect((paused.json["items"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue } == ["job-3"])
            func listed(_ query: String) async throws -> [String] {
                let page = try await server.request(.GET, "/api/v1/scheduler/jobs?" + query, key: server.viewer)
                #expect(page.status == 200, "\(query): \(page.text)")
                return (page.json["items"]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
            }
            #expect(try await listed("prefix=job-1") == ["job-1"])
            #expect(try await listed("q=B-4") == ["job-4"], "q searches keys and names, either case")
            #expect(try await listed("paused=true") == ["job-3"])
            #expect(try await listed("paused=false&enabled=true").count == 6)
            #expect(try await listed("enabled=false").isEmpty)
            #expect(try await listed("lastStatus=never").count == 7, "no job ran yet")
            #expect(try await listed("lastStatus=failed&prefix=job").isEmpty)
            #expect(try await listed("sort=-key&limit=2") == ["job-6", "job-5"])
            // Pages of a descending order follow each other.
            let first = try await server.request(.GET, "/api/v1/scheduler/jobs?sort=-key&limit=4", key: server.viewer)
            let next = try #require(first.json["nextCursor"]?.stringValue)
            #expect(try await listed("sort=-key&limit=4&cursor=\(next)") == ["job-2", "job-1", "job-0"])
            let otherOrder = try await server.request(.GET, "/api/v1/scheduler/jobs?sort=name&cursor=\(next)", key: server.viewer)
            #expect(otherOrder.status == 400, "a cursor belongs to its order: \(otherOrder.text)")
            for (query, field) in [
                ("limit=0", "limit"), ("limit=501", "limit"), ("status=sleeping", "status"), ("cursor=%21%21", "cursor"), ("colour=red", "colour"),
                ("sort=colour", "sort"), ("sort=--key", "sort"), ("enabled=yes", "enabled"), ("paused=1", "paused"),
                ("lastStatus=running", "lastStatus"), ("lastStatus=Failed", "lastStatus"),
                ("q=%00%F1%91%AB%AEi", "q"), ("task=http.request%00", "task"), ("prefix=job%00", "prefix"),
            ] {
                let bad = try await server.request(.GET, "/api/v1/scheduler/jobs?\(query)", key: server.viewer)
                #expect(bad.status == 400, "\(query): \(bad.text)")
                #expect(bad.problemFields == [field], "\(query)")
            }
        }
    }

    @Test("replace and patch honour If-Match; a stale version is a 409 and changes nothing")
    func optimisticConcurrency() async throws {
        try await TestServer.with { server in
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("etl"))
            let patched = try await server.request(
                .PATCH, "/api/v1/scheduler/jobs/etl", key: server.operator, json: #"{"priority": 5, "description": "nightly"}"#,
                contentType: "application/merge-patch+json", headers: [("If-Match", "\"1\"")])
            #expect(patched.status == 200)
            #expect(patched.json["priority"] == 5)
            #expect(patched.json["version"] == 2)
            #expect(patched.headers.first(name: "ETag") == "\"2\"")
            let stale = try await server.request(
                .PUT, "/api/v1/scheduler/jobs/etl", key: server.operator,
                json: #"{"task": "system.noop", "schedule": {"type": "interval", "minutes": 5}}"#, headers: [("If-Match", "\"1\"")])
            #expect(stale.status == 409)
            #expect(try await server.store.job(key: "etl")?.spec.priority == 5)
            let replaced = try await server.request(
                .PUT, "/api/v1/scheduler/jobs/etl", key: server.operator,
                json: #"{"task": "system.noop", "schedule": {"type": "interval", "minutes": 5}}"#, headers: [("If-Match", "\"2\"")])
            #expect(replaced.status == 200)
            #expect(replaced.json["priority"] == 0, "PUT replaces: omitted fields take their defaults")
            #expect(replaced.json["scheduleDescription"] == "every 5 minutes")
            let removeField = try await server.request(.PATCH, "/api/v1/scheduler/jobs/etl", key: server.operator, json: #"{"description": null}"#)
            #expect(removeField.json["description"] == "")
            let renamed = try await server.request(.PATCH, "/api/v1/scheduler/jobs/etl", key: server.operator, json: #"{"key": "other"}"#)
            #expect(renamed.status == 422)
            #expect(renamed.problemFields == ["key"])
            let badPatch = try await server.request(.PATCH, "/api/v1/scheduler/jobs/etl", key: server.operator, json: #"{"maxInstances": 0}"#)
            #expect(badPatch.status == 422)
            #expect(badPatch.problemFields == ["maxInstances"])
            let badHeader = try await server.request(.PATCH, "/api/v1/scheduler/jobs/etl", key: server.operator, json: "{}", headers: [("If-Match", "soon")])
            #expect(badHeader.status == 400)
            #expect(badHeader.problemFields == ["If-Match"])
        }
    }

    /// RFC 9110 §13.1.1: `If-Match: *` is true whenever the resource exists.
    @Test("If-Match: * matches any current version on PUT, PATCH, DELETE and actions", arguments: ["PUT", "PATCH", "DELETE", "pause", "trigger"])
    func ifMatchAny(route: String) async throws {
        try await TestServer.with { server in
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("any"))
            // At version 2, so that a `*` read as "version 1" would be refused.
            _ = try await server.request(.PATCH, "/api/v1/scheduler/jobs/any", key: server.operator, json: #"{"priority": 1}"#)
            let path = "/api/v1/scheduler/jobs/any"
            let any = [("If-Match", "*")]
            let response: TestResponse
            switch route {
            case "PUT":
                response = try await server.request(.PUT, path, key: server.operator, json: Self.body("any"), headers: any)
            case "PATCH":
                response = try await server.request(.PATCH, path, key: server.operator, json: #"{"priority": 3}"#, headers: any)
            case "DELETE":
                response = try await server.request(.DELETE, path, key: server.operator, headers: any)
            default:
                response = try await server.request(.POST, path + "/action", key: server.operator, json: #"{"action": "\#(route)"}"#, headers: any)
            }
            #expect([200, 202, 204].contains(response.status), "\(route): \(response.status) \(response.text)")
            let job = try await server.store.job(key: "any")
            switch route {
            case "DELETE": #expect(job == nil)
            case "pause": #expect(job?.spec.paused == true)
            case "trigger": #expect(response.status == 202)
            default: #expect(job?.version == 3)
            }
            let missing = try await server.request(.DELETE, "/api/v1/scheduler/jobs/nothing", key: server.operator, headers: any)
            #expect(missing.status == 404, "* matches no job that does not exist")
        }
    }

    @Test("actions: trigger runs now, pause/resume/enable/disable switch the job; delete hides it")
    func actionsAndDelete() async throws {
        try await TestServer.with { server in
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs", key: server.operator, json: Self.body("sync"))
            let triggered = try await server.request(.POST, "/api/v1/scheduler/jobs/sync/action", key: server.operator, json: #"{"action": "trigger"}"#)
            #expect(triggered.status == 202)
            #expect(triggered.json["trigger"] == "manual")
            let executionId = try #require(triggered.json["id"]?.stringValue)
            #expect(try await eventually(within: 10) {
                try await server.request(.GET, "/api/v1/scheduler/executions/\(executionId)", key: server.viewer).json["status"] == "succeeded"
            })
            let history = try await server.request(.GET, "/api/v1/scheduler/jobs/sync/history?status=succeeded", key: server.viewer)
            #expect(history.json["items"]?.arrayValue?.first?["id"]?.stringValue == executionId)
            let noFailures = try await server.request(.GET, "/api/v1/scheduler/jobs/sync/history?status=failed,missed", key: server.viewer)
            #expect(noFailures.json["items"]?.arrayValue?.isEmpty == true)
            let lastSucceeded = try await server.request(.GET, "/api/v1/scheduler/jobs?lastStatus=succeeded", key: server.viewer)
            #expect(lastSucceeded.json["items"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == ["sync"])
            let scheduledText = try #require(triggered.json["scheduledAt"]?.stringValue)
            let scheduled = try Timestamp.parse(scheduledText)
            func ranged(_ path: String, _ from: Date, _ before: Date) async throws -> [String] {
                let query = "scheduledFrom=\(Timestamp.formatPrecise(from))&scheduledBefore=\(Timestamp.formatPrecise(before))"
                    .replacingOccurrences(of: "+", with: "%2B")
                let page = try await server.request(.GET, path + "?" + query, key: server.viewer)
                #expect(page.status == 200, "\(query): \(page.text)")
                return page.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            for path in ["/api/v1/scheduler/jobs/sync/history", "/api/v1/scheduler/executions"] {
                #expect(try await ranged(path, scheduled, scheduled.addingTimeInterval(1)) == [executionId], "\(path): from is inclusive")
                #expect(try await ranged(path, scheduled.addingTimeInterval(-60), scheduled).isEmpty, "\(path): before is exclusive")
                for bad in ["scheduledFrom=yesterday", "scheduledBefore=2026-13-01"] {
                    let refused = try await server.request(.GET, path + "?" + bad, key: server.viewer)
                    #expect(refused.status == 400, "\(path)?\(bad)")
                    #expect(refused.problemFields == [String(bad.prefix { $0 != "=" })])
                }
            }
            for (action, field, value) in [("pause", "paused", true), ("resume", "paused", false), ("disable", "enabled", false), ("enable", "enabled", true)] {
                let response = try await server.request(.POST, "/api/v1/scheduler/jobs/sync/action", key: server.operator, json: #"{"action": "\#(action)"}"#)
                #expect(response.status == 200, "\(action)")
                #expect(response.json[field] == .bool(value), "\(action)")
                let runnable = action == "resume" || action == "enable"
                let next = response.json["nextRunAt"]?.stringValue.flatMap { try? Timestamp.parse($0) }
                #expect(runnable ? next.map { $0 > Date() } == true : response.json["nextRunAt"] == .null, "\(action): no next run while it cannot fire, one ahead after")
            }
            _ = try await server.request(.POST, "/api/v1/scheduler/jobs/sync/action", key: server.operator, json: #"{"action": "disable"}"#)
            let refused = try await server.request(.POST, "/api/v1/scheduler/jobs/sync/action", key: server.operator, json: #"{"action": "trigger"}"#)
            #expect(refused.status == 409, "a disabled job cannot be triggered")
            let unknown = try await server.request(.POST, "/api/v1/scheduler/jobs/sync/action", key: server.operator, json: #"{"action": "explode", "when": 1}"#)
            #expect(unknown.status == 422)
            #expect(unknown.problemFields == ["action", "when"])
            let deleted = try await server.request(.DELETE, "/api/v1/scheduler/jobs/sync", key: server.operator)
            #expect(deleted.status == 204)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs/sync", key: server.viewer).status == 404)
            let jobId = try #require(triggered.json["jobId"]?.stringValue)
            #expect(try await server.request(.GET, "/api/v1/scheduler/jobs/\(jobId)", key: server.viewer).status == 404, "by id too")
            #expect(try await server.request(.GET, "/api/v1/scheduler/executions/\(executionId)", key: server.viewer).status == 200, "history is kept")
        }
    }
}

import Foundation
import KairosCore
import KairosEngine
import KairosStore
import Testing

/// The job form's task arguments: one input per argument of the task's schema, typed on save.
@Suite struct DashboardJobFormTests {
    /// A task with a schema of every kind of input and no checks of its own.
    struct ReportTask: KairosTask {
        let name = "test.report"
        var argumentSchema: JSONValue {
            [
                "type": "object", "required": ["count"],
                "properties": [
                    "count": ["type": "integer", "description": "how many rows"],
                    "tags": ["type": "array", "items": ["type": "string"]],
                    "verbose": ["type": "boolean"],
                    "format": ["enum": ["csv", "json"], "default": "csv"],
                ],
            ]
        }
        func validate(args: JSONValue) throws(ValidationError) {}
        func run(args: JSONValue, context: TaskContext) async throws -> String? { nil }
    }

    /// A task without a schema: its arguments are given as JSON.
    struct FreeTask: KairosTask {
        let name = "test.free"
        func validate(args: JSONValue) throws(ValidationError) {}
        func run(args: JSONValue, context: TaskContext) async throws -> String? { nil }
    }

    static func form(_ session: DashboardServer.Session, key: String, task: String, _ fields: [(String, String)]) -> [(String, String)] {
        [("_csrf", session.csrf), ("key", key), ("task", task), ("schedule.type", "cron"), ("schedule.expression", "0 3 * * *"),
         ("schedule.timezone", "UTC"), ("enabled", "on")] + fields
    }

    @Test func aJobIsCreatedFromTheInputsOfItsTaskWithTypedArguments() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let page = try await server.request(.GET, "/jobs/new", cookies: session.cookies)
            for name in ["arg.http.request.url", "arg.http.request.method", "arg.http.request.headers", "arg.system.sleep.seconds"] {
                #expect(Self.control(named: name, in: page.body) != nil, "\(name)")
            }
            #expect(page.body.contains("<legend>Arguments of <code>http.request</code></legend>"))
            #expect(Self.control(named: "arg.http.request.url", in: page.body)?.contains("aria-required=\"true\"") == true)

            let created = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "ping", task: "http.request", [
                ("arg.http.request.url", "https://example.com/health"), ("arg.http.request.method", "POST"),
                ("arg.http.request.headers", #"{"Accept": "text/plain"}"#), ("arg.http.request.timeout", "2.5"),
                ("arg.http.request.acceptedStatus", "200\r\n204\r\n"), ("arg.http.request.body", "hello"),
                ("arg.system.sleep.seconds", "not used: another task's input"), ("args", ""),
            ]))
            #expect(created.status == 303)
            let job = try #require(try await server.engine.store.job(key: "ping"))
            #expect(job.spec.args == [
                "url": "https://example.com/health", "method": "POST", "headers": ["Accept": "text/plain"], "timeout": 2.5,
                "acceptedStatus": [200, 204], "body": "hello",
            ])

            let sleeper = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "nap", task: "system.sleep", [
                ("arg.system.sleep.seconds", "3"), ("arg.http.request.url", ""),
            ]))
            #expect(sleeper.status == 303)
            #expect(try await server.engine.store.job(key: "nap")?.spec.args == ["seconds": .number(3)])
        }
    }

    @Test(arguments: [
        ("arg.system.sleep.seconds", "abc", "seconds must be a number, got 'abc'"),
        ("arg.system.sleep.seconds", "90000", "from 0 to 86400"),
    ])
    func aBadArgumentIsShownNextToItsInputAndNothingTypedIsLost(name: String, value: String, message: String) async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let response = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "nap", task: "system.sleep", [
                (name, value), ("arg.http.request.url", "https://typed.example"), ("description", "kept"),
            ]))
            #expect(response.status == 422)
            let input = try #require(Self.control(named: name, in: response.body))
            #expect(input.contains("value=\"\(value)\""))
            #expect(input.contains("aria-invalid=\"true\""))
            #expect(Self.error(of: name, in: response.body)?.contains(message) == true)
            #expect(Self.control(named: "arg.http.request.url", in: response.body)?.contains("value=\"https://typed.example\"") == true)
            #expect(response.body.contains(">kept</textarea>"))
            #expect(try await server.engine.store.job(key: "nap") == nil)
        }
    }

    @Test func theTasksOwnErrorAboutAnArgumentIsShownNextToItsInput() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let response = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "ping", task: "http.request", [
                ("arg.http.request.url", "ftp://example.com"), ("arg.http.request.headers", #"{"Bad Name": "x"}"#),
            ]))
            #expect(response.status == 422)
            #expect(Self.error(of: "arg.http.request.url", in: response.body)?.contains("ftp://example.com") == true)
            #expect(Self.error(of: "arg.http.request.headers", in: response.body)?.contains("Bad Name") == true)
            #expect(response.body.contains("<a href=\"#\(try #require(Self.id(of: "arg.http.request.url", in: response.body)))\">args.url</a>"))
        }
    }

    @Test func anArgumentInItsInputAndInTheJSONTooIsRefusedByName() async throws {
        try await DashboardServer.with { server in
            let session = try await server.signIn(.operator)
            let response = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "ping", task: "http.request", [
                ("arg.http.request.url", "https://a.example"), ("args", #"{"url": "https://b.example", "method": "PUT"}"#),
            ]))
            #expect(response.status == 422)
            #expect(Self.error(of: "arg.http.request.url", in: response.body)?.contains("url is set both in its input and in the arguments as JSON") == true)
            #expect(try await server.engine.store.job(key: "ping") == nil)

            let merged = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "ping", task: "http.request", [
                ("arg.http.request.url", "https://a.example"), ("args", #"{"method": "PUT"}"#),
            ]))
            #expect(merged.status == 303)
            #expect(try await server.engine.store.job(key: "ping")?.spec.args == ["url": "https://a.example", "method": "PUT"])
        }
    }

    @Test func theEditFormFillsTheInputsFromTheStoredArguments() async throws {
        try await DashboardServer.with(tasks: [ReportTask()]) { server in
            _ = try await server.engine.jobs.create(try JobSpec(
                key: "ping", task: "http.request",
                args: ["url": "https://example.com", "method": "HEAD", "headers": ["Accept": "text/plain"], "acceptedStatus": [200, 204]],
                schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            _ = try await server.engine.jobs.create(try JobSpec(
                key: "report", task: "test.report", args: ["count": 2.5, "tags": ["a", "b"], "verbose": true, "format": "json"],
                schedule: .cron(try CronSchedule(expression: "0 3 * * *"))))
            let session = try await server.signIn(.operator)

            let ping = try await server.request(.GET, "/jobs/ping/edit", cookies: session.cookies)
            #expect(Self.control(named: "arg.http.request.url", in: ping.body)?.contains("value=\"https://example.com\"") == true)
            #expect(ping.body.contains("<option value=\"HEAD\" selected>HEAD</option>"))
            #expect(Self.textArea(named: "arg.http.request.headers", in: ping.body)?.contains("&quot;Accept&quot; : &quot;text/plain&quot;") == true)
            #expect(Self.textArea(named: "arg.http.request.acceptedStatus", in: ping.body) == "200\n204")
            #expect(Self.textArea(named: "args", in: ping.body) == "")

            let report = try await server.request(.GET, "/jobs/report/edit", cookies: session.cookies)
            #expect(Self.textArea(named: "arg.test.report.tags", in: report.body) == "a\nb")
            #expect(report.body.contains("<option value=\"true\" selected>true</option>"))
            #expect(report.body.contains("<option value=\"json\" selected>json</option>"))
            #expect(Self.control(named: "arg.test.report.count", in: report.body)?.contains("value=\"\"") == true)
            #expect(Self.textArea(named: "args", in: report.body)?.contains("&quot;count&quot; : 2.5") == true)

            let saved = try await server.request(.POST, "/jobs/report/edit", cookies: session.cookies, form: [
                ("_csrf", session.csrf), ("version", "1"), ("task", "test.report"), ("schedule.type", "cron"),
                ("schedule.expression", "0 3 * * *"), ("enabled", "on"), ("arg.test.report.count", "4"),
                ("arg.test.report.tags", "a\nb"), ("arg.test.report.verbose", ""), ("arg.test.report.format", "json"), ("args", ""),
            ])
            #expect(saved.status == 303)
            #expect(try await server.engine.store.job(key: "report")?.spec.args == ["count": 4, "tags": ["a", "b"], "format": "json"])
        }
    }

    @Test func aTaskWithoutASchemaTakesItsArgumentsAsJSON() async throws {
        try await DashboardServer.with(tasks: [FreeTask()]) { server in
            let session = try await server.signIn(.operator)
            let page = try await server.request(.GET, "/jobs/new", cookies: session.cookies)
            #expect(page.body.contains("data-task-args=\"test.free\" data-no-schema"))
            let created = try await server.request(.POST, "/jobs/new", cookies: session.cookies, form: Self.form(session, key: "free", task: "test.free", [
                ("args", #"{"anything": [1, "two"], "nested": {"ok": true}}"#),
            ]))
            #expect(created.status == 303)
            #expect(try await server.engine.store.job(key: "free")?.spec.args == ["anything": [1, "two"], "nested": ["ok": true]])
            let edit = try await server.request(.GET, "/jobs/free/edit", cookies: session.cookies)
            #expect(edit.body.contains("<details class=\"args-json\" data-args-json open>"))
            #expect(Self.textArea(named: "args", in: edit.body)?.contains("&quot;anything&quot;") == true)
        }
    }

    /// The opening tag of the input, select or text area named `name`.
    static func control(named name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\"") else { return nil }
        let start = html[..<range.lowerBound].range(of: "<", options: .backwards)?.lowerBound ?? range.lowerBound
        return String(html[start...].prefix { $0 != ">" })
    }

    /// The text in the text area named `name`.
    static func textArea(named name: String, in html: String) -> String? {
        guard let tag = control(named: name, in: html), tag.hasPrefix("<textarea"), let range = html.range(of: tag + ">") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "<" })
    }

    static func id(of name: String, in html: String) -> String? {
        guard let tag = control(named: name, in: html), let range = tag.range(of: "id=\"") else { return nil }
        return String(tag[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The error shown next to the control named `name`, as read (entities decoded).
    static func error(of name: String, in html: String) -> String? {
        guard let id = id(of: name, in: html), let range = html.range(of: "id=\"\(id)-error\">") else { return nil }
        var text = String(html[range.upperBound...].prefix { $0 != "<" })
        for (entity, character) in [("&#39;", "'"), ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text
    }
}

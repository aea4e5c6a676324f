import Foundation
import Hummingbird
import KairosCore
import KairosEngine
import KairosStore
import ServiceLifecycle

extension KairosAPI {
    func addSchedulerRoutes(to table: inout RouteTable) {
        let scheduler = Self.prefix + "/scheduler"

        table.add(.get, scheduler + "/status", .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: [])
            return try Response.json(try await status())
        }

        table.add(.post, scheduler + "/cron/preview", .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: [])
            let body = try await request.jsonBody(limit: configuration.maxBodySize)
            return try Response.json(try CronPreview(body, now: engine.clock.now()))
        }

        table.add(.get, scheduler + "/tasks", .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: [])
            let tasks = engine.registry.names.compactMap { engine.registry.task(named: $0) }.map(TaskResource.init)
            return try Response.json(ListResource(items: tasks, nextCursor: nil))
        }

        table.add(.get, scheduler + "/events", .role(.viewer)) { request, _ in
            try request.checkQuery(allowed: ["jobId"])
            let jobFilter = try await jobFilter(request)
            let events = engine.events.subscribe()
            let clock = engine.clock
            let body = ResponseBody { writer in
                // One stream of lines: events as they come, and a comment every 15 s so that
                // proxies keep the connection open. Ends at shutdown or when the client leaves.
                let (lines, output) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1024))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await event in events.cancelOnGracefulShutdown() {
                            let resource = EventResource(event: event, at: clock.now())
                            if let jobFilter, resource.job.id != jobFilter { continue }
                            let data = (try? JSONCoding.encoder.encode(resource)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                            output.yield("event: \(event.name)\ndata: \(data)\n\n")
                        }
                        output.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            output.yield(": keep-alive\n\n")
                        }
                    }
                    try await writer.write(ByteBuffer(string: ": connected\n\n"))
                    for await line in lines {
                        try await writer.write(ByteBuffer(string: line))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    func status() async throws -> StatusResource {
        let now = engine.clock.now()
        async let instances = store.listInstances()
        async let queueDepth = store.queueDepth(now: now)
        async let executionCounts = store.executionCounts()
        async let jobCounts = store.jobCounts()
        async let upcoming = store.upcomingJobs(limit: 10)
        let all = try await instances.map { StatusResource.InstanceResource($0, now: now, deadAfter: engine.configuration.deadInstanceAfter) }
        return StatusResource(
            serverTime: now,
            instance: all.first { $0.id == engine.configuration.instanceId },
            instances: all,
            queueDepth: try await queueDepth,
            executions: Dictionary(uniqueKeysWithValues: ExecutionStatus.allCases.map { ($0.rawValue, 0) })
                .merging(try await executionCounts.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { $1 }),
            jobs: Dictionary(uniqueKeysWithValues: JobQuery.State.allCases.map { ($0.rawValue, 0) })
                .merging(try await jobCounts.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { $1 }),
            nextFires: try await upcoming.compactMap { job in
                job.nextRunAt.map { StatusResource.Fire(jobId: job.id, jobKey: job.key, at: $0) }
            })
    }
}

/// `GET /scheduler/status`.
struct StatusResource: Encodable {
    struct InstanceResource: Encodable {
        var id: String
        var hostname: String
        var pid: Int
        var roles: [String]
        var version: String
        var startedAt: Date
        var heartbeatAt: Date
        var heartbeatAgeSeconds: Double
        var stoppedAt: Date?
        var alive: Bool

        init(_ instance: InstanceInfo, now: Date, deadAfter: TimeInterval) {
            id = instance.id
            hostname = instance.hostname
            pid = instance.pid
            roles = instance.roles
            version = instance.version
            startedAt = instance.startedAt
            heartbeatAt = instance.heartbeatAt
            heartbeatAgeSeconds = (instance.heartbeatAge(at: now) * 1000).rounded() / 1000
            stoppedAt = instance.stoppedAt
            alive = instance.isAlive(at: now, deadAfter: deadAfter)
        }

        private enum Keys: String, CodingKey {
            case id, hostname, pid, roles, version, startedAt, heartbeatAt, heartbeatAgeSeconds, stoppedAt, alive
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encode(hostname, forKey: .hostname)
            try container.encode(pid, forKey: .pid)
            try container.encode(roles, forKey: .roles)
            try container.encode(version, forKey: .version)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(heartbeatAt, forKey: .heartbeatAt)
            try container.encode(heartbeatAgeSeconds, forKey: .heartbeatAgeSeconds)
            try container.encode(stoppedAt, forKey: .stoppedAt)
            try container.encode(alive, forKey: .alive)
        }
    }

    struct Fire: Encodable {
        var jobId: UUID
        var jobKey: String
        var at: Date
    }

    var serverTime: Date
    var instance: InstanceResource?
    var instances: [InstanceResource]
    var queueDepth: Int
    var executions: [String: Int]
    var jobs: [String: Int]
    var nextFires: [Fire]

    private enum Keys: String, CodingKey { case serverTime, instance, instances, queueDepth, executions, jobs, nextFires }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(serverTime, forKey: .serverTime)
        try container.encode(instance, forKey: .instance)
        try container.encode(instances, forKey: .instances)
        try container.encode(queueDepth, forKey: .queueDepth)
        try container.encode(executions, forKey: .executions)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(nextFires, forKey: .nextFires)
    }
}

/// A registered task: `GET /scheduler/tasks`.
struct TaskResource: Encodable {
    var name: String
    var summary: String
    var argumentSchema: JSONValue

    init(_ task: any KairosTask) {
        name = task.name
        summary = task.summary
        argumentSchema = task.argumentSchema
    }
}

/// `POST /scheduler/cron/preview`: `{"expression", "timezone"?, "count"? (1–100, default 10),
/// "after"?}` → whether it is valid, its description and its next fires. An expression or
/// zone that does not parse is an answer (`valid: false` with the field errors), not a 422;
/// a malformed request (wrong types, unknown fields, a bad count) is a 422.
struct CronPreview: Encodable {
    var valid: Bool
    var expression: String
    var timezone: String
    var description: String?
    var fixedTime: Bool?
    var nextFires: [String]
    var errors: [FieldIssue]

    init(_ body: JSONValue, now: Date) throws {
        guard case .object(let fields) = body else {
            throw APIError(.validationFailed, "the body must be a JSON object like {\"expression\": \"0 2 * * *\"}",
                issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
        }
        var issues = fields.keys.filter { !["expression", "timezone", "count", "after"].contains($0) }.sorted().map {
            FieldIssue(field: $0, code: "unknownField", message: "\($0) is not a field of a cron preview")
        }
        let expression = fields["expression"]?.stringValue
        if expression == nil {
            issues.append(FieldIssue(field: "expression", code: fields["expression"] == nil ? "required" : "invalidType", message: "expression must be a string"))
        }
        let timezone = fields["timezone"].map { $0.stringValue } ?? "UTC"
        if timezone == nil { issues.append(FieldIssue(field: "timezone", code: "invalidType", message: "timezone must be a string")) }
        let count = fields["count"].map { $0.intValue } ?? 10
        if count == nil || !(1...100).contains(count!) {
            issues.append(FieldIssue(field: "count", code: "outOfRange", message: "count must be an integer from 1 to 100"))
        }
        var after = now
        if let value = fields["after"] {
            if let text = value.stringValue, let date = try? Timestamp.parse(text) {
                after = date
            } else {
                issues.append(FieldIssue(field: "after", code: "invalidDate", message: "after must be an ISO 8601 date-time, like 2026-03-08T02:00:00Z"))
            }
        }
        guard issues.isEmpty, let expression, let timezone, let count else { throw ValidationError(issues) }
        self.expression = expression
        self.timezone = timezone
        do {
            let schedule = try CronSchedule(expression: expression, timeZone: timezone)
            valid = true
            description = schedule.expression.humanDescription
            fixedTime = schedule.expression.isFixedTime
            nextFires = schedule.expression.nextFires(after: after, in: schedule.timeZone, count: count).map { Timestamp.format($0, in: schedule.timeZone) }
            errors = []
        } catch {
            valid = false
            description = nil
            fixedTime = nil
            nextFires = []
            errors = error.issues
        }
    }

    private enum Keys: String, CodingKey { case valid, expression, timezone, description, fixedTime, nextFires, errors }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(valid, forKey: .valid)
        try container.encode(expression, forKey: .expression)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(description, forKey: .description)
        try container.encode(fixedTime, forKey: .fixedTime)
        try container.encode(nextFires, forKey: .nextFires)
        try container.encode(errors, forKey: .errors)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import KairosCore
import KairosEngine
import KairosHTTP
import KairosStore

extension KairosDashboard {
    func addFormRoutes(to pages: inout PageTable) {
        pages.add(.get, "/jobs/new", .operator) { page in
            formPage(page, values: JobFormValues.defaults, issues: [], job: nil, status: .ok)
        }

        pages.add(.post, "/jobs/new", .operator) { page in
            let values = JobFormValues(form: page.form)
            do {
                let spec = try values.spec(registry: engine.registry)
                let job = try await engine.jobs.create(spec)
                return Response.redirect(to: job.pagePath)
            } catch {
                return try formPage(page, values: values, issues: Self.issues(error), job: nil, status: .unprocessableContent)
            }
        }

        pages.add(.get, "/jobs/{job}/edit", .operator) { page in
            let job = try await findJob(page.parameter("job"))
            return formPage(page, values: JobFormValues(job.spec, task: engine.registry.task(named: job.spec.task)), issues: [], job: job, status: .ok)
        }

        pages.add(.post, "/jobs/{job}/edit", .operator) { page in
            let job = try await findJob(page.parameter("job"))
            var values = JobFormValues(form: page.form)
            values["key"] = job.key
            do {
                let spec = try values.spec(registry: engine.registry)
                let expected = page.form["version"].flatMap { Int($0) }
                let updated = try await engine.jobs.replace(id: job.id, with: spec, expectedVersion: expected)
                return Response.redirect(to: updated.pagePath)
            } catch {
                return try formPage(page, values: values, issues: Self.issues(error), job: job, status: .unprocessableContent)
            }
        }
    }

    /// The field issues a failed save shows; an error that is not about the input is rethrown.
    static func issues(_ error: any Error) throws -> [FieldIssue] {
        switch error {
        case let error as ValidationError: return error.issues
        case let error as APIError where !error.issues.isEmpty: return error.issues
        case let error as APIError where error.code == .validationFailed: return [FieldIssue(field: "", code: "invalid", message: error.detail)]
        case let error as StoreError where error.code == .keyConflict: return [FieldIssue(field: "key", code: "conflict", message: error.message)]
        case let error as StoreError where error.code == .versionMismatch:
            return [FieldIssue(field: "", code: "conflict", message: "Someone changed this job while you edited it: " + error.message + ". Reload to see their version.")]
        default: throw error
        }
    }

    func formPage(_ page: PageRequest, values: JobFormValues, issues: [FieldIssue], job: Job?, status: HTTPResponse.Status) -> Response {
        let view = JobFormPage(
            chrome: chrome(page, title: job.map { "Edit \($0.spec.name)" } ?? "New job", section: job == nil ? "new" : "jobs"),
            values: values, issues: issues, tasks: engine.registry.names.compactMap { engine.registry.task(named: $0) }, job: job)
        return Response.html(renderer.render(view, template: "job-form"), status: status)
    }
}

/// What the job form holds, as typed: field names are the job's JSON paths
/// (`schedule.expression`), so that the server's field issues land next to their field.
struct JobFormValues: Sendable {
    static let textFields = [
        "key", "name", "description", "task", "args", "schedule.type", "schedule.expression", "schedule.timezone",
        "schedule.weeks", "schedule.days", "schedule.hours", "schedule.minutes", "schedule.seconds", "schedule.runAt",
        "schedule.startDate", "schedule.endDate", "schedule.jitter", "priority", "maxInstances", "misfireGraceTime", "timeout",
        "retry.maxRetries", "retry.backoff.initial", "retry.backoff.max", "retry.backoff.multiplier",
    ]
    static let checkboxes = ["coalesce", "enabled", "paused", "retry.jitter"]

    /// Which wins when an argument is in its input and in the JSON too.
    static let argumentsRule = "For a task without a schema, and for arguments no input above holds. "
        + "It is merged with the inputs of the chosen task; an argument set in both is refused."

    /// The form field of a task's argument: `arg.<task>.<argument>`.
    static func argumentField(task: String, argument: String) -> String { "arg.\(task).\(argument)" }

    var values: [String: String] = [:]

    subscript(name: String) -> String {
        get { values[name] ?? "" }
        set { values[name] = newValue }
    }

    static var defaults: JobFormValues {
        var values = JobFormValues()
        values["task"] = "system.noop"
        values["schedule.type"] = "cron"
        values["schedule.timezone"] = "UTC"
        values["priority"] = "0"
        values["maxInstances"] = "1"
        values["misfireGraceTime"] = "60"
        values["retry.maxRetries"] = "0"
        for name in ["coalesce", "enabled", "retry.jitter"] { values[name] = "on" }
        return values
    }

    init() {}

    init(form: FormBody) {
        for name in Self.textFields { values[name] = form[name] ?? "" }
        for name in Self.checkboxes where form[name] != nil { values[name] = "on" }
        for field in form.fields where field.name.hasPrefix("arg.") && values[field.name] == nil { values[field.name] = field.value }
    }

    /// The form of an existing job: each argument in its input when it fits one, the rest as JSON.
    init(_ spec: JobSpec, task: (any KairosTask)?) {
        self = .defaults
        values["key"] = spec.key
        values["name"] = spec.name == spec.key ? "" : spec.name
        values["description"] = spec.description
        values["task"] = spec.task
        var rest = spec.args.objectValue ?? [:]
        for argument in task.flatMap(TaskArgument.arguments(of:)) ?? [] {
            guard let value = rest[argument.name], let text = argument.text(for: value) else { continue }
            values[Self.argumentField(task: spec.task, argument: argument.name)] = text
            rest[argument.name] = nil
        }
        values["args"] = spec.args.objectValue == nil ? JobDefinition.pretty(spec.args) : rest.isEmpty ? "" : JobDefinition.pretty(.object(rest))
        values["priority"] = "\(spec.priority)"
        values["maxInstances"] = "\(spec.maxInstances)"
        values["misfireGraceTime"] = "\(spec.misfireGraceTime)"
        values["timeout"] = spec.timeout.map { Self.number($0) } ?? ""
        values["retry.maxRetries"] = "\(spec.retry.maxRetries)"
        values["retry.backoff.initial"] = Self.number(spec.retry.backoff.initial)
        values["retry.backoff.max"] = Self.number(spec.retry.backoff.max)
        values["retry.backoff.multiplier"] = Self.number(spec.retry.backoff.multiplier)
        values["coalesce"] = spec.coalesce ? "on" : nil
        values["enabled"] = spec.enabled ? "on" : nil
        values["paused"] = spec.paused ? "on" : nil
        values["retry.jitter"] = spec.retry.jitter ? "on" : nil
        switch spec.schedule {
        case .cron(let cron):
            values["schedule.type"] = "cron"
            values["schedule.expression"] = cron.expression.description
            values["schedule.timezone"] = cron.timeZone.identifier
            values["schedule.startDate"] = cron.startDate.map { Timestamp.format($0) } ?? ""
            values["schedule.endDate"] = cron.endDate.map { Timestamp.format($0) } ?? ""
            values["schedule.jitter"] = cron.jitter.map { "\($0)" } ?? ""
        case .interval(let interval):
            values["schedule.type"] = "interval"
            for (name, value) in [("weeks", interval.weeks), ("days", interval.days), ("hours", interval.hours), ("minutes", interval.minutes), ("seconds", interval.seconds)] {
                values["schedule." + name] = value == 0 ? "" : "\(value)"
            }
            values["schedule.startDate"] = interval.startDate.map { Timestamp.format($0) } ?? ""
            values["schedule.endDate"] = interval.endDate.map { Timestamp.format($0) } ?? ""
            values["schedule.jitter"] = interval.jitter.map { "\($0)" } ?? ""
        case .date(let date):
            values["schedule.type"] = "date"
            values["schedule.runAt"] = Timestamp.format(date.runAt)
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The job the form describes, validated as the API validates a body; every bad field at once.
    func spec(registry: TaskRegistry) throws -> JobSpec {
        var issues: [FieldIssue] = []
        var body: [String: JSONValue] = [:]
        var schedule: [String: JSONValue] = ["type": .string(self["schedule.type"])]
        var retry: [String: JSONValue] = ["jitter": .bool(values["retry.jitter"] != nil)]
        var backoff: [String: JSONValue] = [:]

        func text(_ name: String) -> String? {
            let value = self[name].trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : value
        }
        func integer(_ name: String) -> JSONValue? {
            guard let value = text(name) else { return nil }
            guard let number = Int(value) else {
                issues.append(FieldIssue(field: name, code: "invalidType", message: "must be a whole number, got '\(value)'"))
                return nil
            }
            return .number(Double(number))
        }
        func decimal(_ name: String) -> JSONValue? {
            guard let value = text(name) else { return nil }
            guard let number = Double(value), number.isFinite else {
                issues.append(FieldIssue(field: name, code: "invalidType", message: "must be a number, got '\(value)'"))
                return nil
            }
            return .number(number)
        }

        for name in ["key", "name", "task"] { body[name] = text(name).map(JSONValue.string) }
        body["description"] = .string(self["description"])
        var args: [String: JSONValue]?
        if let json = text("args") {
            if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)), case .object(let object) = value {
                args = object
            } else {
                issues.append(FieldIssue(field: "args", code: "invalidJSON", message: "must be a JSON object, like {\"url\": \"https://example.com\"}"))
            }
        }
        if let task = self["task"].isEmpty ? nil : registry.task(named: self["task"]) {
            for argument in TaskArgument.arguments(of: task) ?? [] {
                let value: JSONValue?
                do { value = try argument.value(from: self[Self.argumentField(task: task.name, argument: argument.name)]) } catch {
                    issues += error.issues
                    continue
                }
                guard let value else { continue }
                if args?[argument.name] != nil {
                    issues.append(FieldIssue(
                        field: "args." + argument.name, code: "conflict",
                        message: "\(argument.name) is set both in its input and in the arguments as JSON; keep one"))
                }
                args = (args ?? [:]).merging([argument.name: value]) { _, input in input }
            }
        }
        body["args"] = args.map(JSONValue.object)
        switch self["schedule.type"] {
        case "interval":
            for unit in ["weeks", "days", "hours", "minutes", "seconds"] { schedule[unit] = integer("schedule." + unit) }
        case "date":
            schedule["runAt"] = text("schedule.runAt").map(JSONValue.string)
        default:
            schedule["expression"] = text("schedule.expression").map(JSONValue.string)
            schedule["timezone"] = text("schedule.timezone").map(JSONValue.string)
        }
        if self["schedule.type"] != "date" {
            schedule["startDate"] = text("schedule.startDate").map(JSONValue.string)
            schedule["endDate"] = text("schedule.endDate").map(JSONValue.string)
            schedule["jitter"] = integer("schedule.jitter")
        }
        body["schedule"] = .object(schedule)
        body["priority"] = integer("priority")
        body["maxInstances"] = integer("maxInstances")
        body["misfireGraceTime"] = integer("misfireGraceTime")
        body["timeout"] = decimal("timeout")
        for name in ["coalesce", "enabled", "paused"] { body[name] = .bool(values[name] != nil) }
        retry["maxRetries"] = integer("retry.maxRetries")
        backoff["initial"] = decimal("retry.backoff.initial")
        backoff["max"] = decimal("retry.backoff.max")
        backoff["multiplier"] = decimal("retry.backoff.multiplier")
        if !backoff.isEmpty { retry["backoff"] = .object(backoff) }
        body["retry"] = .object(retry)

        do {
            let spec = try JobSpec.from(json: .object(body), registry: registry)
            guard issues.isEmpty else { throw ValidationError(issues) }
            try registry.validate(spec)
            return spec
        } catch let error as ValidationError {
            throw ValidationError(issues + error.issues.filter { issue in !issues.contains { $0.field == issue.field } })
        }
    }
}

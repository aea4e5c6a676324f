import Foundation
import Hummingbird
import KairosCore
import KairosEngine
import KairosHTTP
import KairosStore
import Mustache

extension KairosDashboard {
    static let pageSize = 50
    static let actions = ["trigger", "pause", "resume", "enable", "disable"]

    func addJobRoutes(to pages: inout PageTable) {
        pages.add(.get, "/", .viewer) { page in try await jobsPage(page) }

        pages.add(.get, "/jobs/{job}", .viewer) { page in try await jobPage(page) }

        pages.add(.post, "/jobs/{job}/action", .operator) { page in
            let job = try await findJob(page.parameter("job"))
            guard let action = page.form["action"], Self.actions.contains(action) else {
                throw DashboardError(.badRequest, "Unknown action '\(page.form["action"] ?? "")'; one of \(Self.actions.joined(separator: ", ")).")
            }
            switch action {
            case "trigger": _ = try await engine.jobs.trigger(id: job.id)
            case "pause": _ = try await engine.jobs.setPaused(id: job.id, true)
            case "resume": _ = try await engine.jobs.setPaused(id: job.id, false)
            case "enable": _ = try await engine.jobs.setEnabled(id: job.id, true)
            default: _ = try await engine.jobs.setEnabled(id: job.id, false)
            }
            return Response.redirect(to: Self.localPath(page.form["return"] ?? job.pagePath))
        }

        pages.add(.get, "/jobs/{job}/delete", .operator) { page in
            let job = try await findJob(page.parameter("job"))
            struct Page {
                var chrome: Chrome
                var name: String
                var key: String
                var id: String
                var path: String
            }
            let view = Page(
                chrome: chrome(page, title: "Delete \(job.spec.name)", section: "jobs"), name: job.spec.name, key: job.key,
                id: job.id.uuidString, path: job.pagePath)
            return Response.html(renderer.render(view, template: "confirm-delete"))
        }

        pages.add(.post, "/jobs/{job}/delete", .operator) { page in
            let job = try await findJob(page.parameter("job"))
            _ = try await engine.jobs.delete(id: job.id, expectedVersion: nil)
            return Response.redirect(to: "/")
        }
    }

    /// The statuses of each job's last 20 executions, oldest first: one store read for the page.
    func recentOutcomes(of jobs: [UUID]) async throws -> [UUID: [ExecutionStatus]] {
        try await store.recentStatuses(RecentStatusesQuery(jobIds: jobs, limit: 20)).mapValues { $0.reversed() }
    }

    /// A live job by id or key.
    func findJob(_ reference: String) async throws -> Job {
        if let id = UUID(uuidString: reference), let job = try await store.job(id: id), !job.deleted { return job }
        if JobSpec.isValidKey(reference), let job = try await store.job(key: reference) { return job }
        throw DashboardError(.notFound, "There is no job with the id or key '\(reference)'.")
    }

    func jobsPage(_ page: PageRequest) async throws -> Response {
        let now = engine.clock.now()
        var query = JobQuery(limit: Self.pageSize)
        let search = page.query("q")
        let state = page.query("status")
        let task = page.query("task")
        let outcome = page.query("outcome")
        let sortText = page.query("sort") ?? "key"
        let cursor = page.query("cursor")
        query.search = search
        query.task = task
        query.cursor = cursor
        if let state {
            guard let value = JobQuery.State(rawValue: state) else { throw DashboardError(.badRequest, "Unknown status '\(state)'.") }
            query.state = value
        }
        if let outcome {
            guard let value = JobQuery.LastOutcome(outcome) else {
                throw DashboardError(
                    .badRequest, "Unknown last outcome '\(outcome)'; one of \(JobQuery.LastOutcome.allCases.map(\.description).joined(separator: ", ")).")
            }
            query.lastOutcome = value
        }
        guard let sort = JobQuery.Sort(sortText) else { throw DashboardError(.badRequest, "Unknown sort order '\(sortText)'.") }
        query.sort = sort
        let result = try await store.listJobs(query)
        let outcomes = try await recentOutcomes(of: result.items.map(\.id))
        let filters: [(String, String?)] = [("q", search), ("status", state), ("task", task), ("outcome", outcome)]
        let returnTo = page.request.uri.path + FormBody.query(filters + [("sort", page.query("sort")), ("cursor", cursor)])

        let columns: [(String, JobQuery.SortField)] = [("Name", .name), ("Next run", .nextRunAt), ("Last run", .lastRunAt), ("Priority", .priority)]
        let rows = result.items.map { job in
            var row = JobRow(job, now: now, returnTo: returnTo)
            row.sparkline = Sparkline(outcomes: outcomes[job.id] ?? []).svg
            return row
        }
        let view = JobsPage(
            chrome: chrome(page, title: "Jobs", section: "jobs", live: KairosAPI.prefix + "/scheduler/events"),
            q: search ?? "",
            statuses: [Option(value: "", label: "any", selected: state == nil)]
                + JobQuery.State.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == state) },
            tasks: [Option(value: "", label: "any", selected: task == nil)]
                + engine.registry.names.map { Option(value: $0, label: $0, selected: $0 == task) },
            outcomes: [Option(value: "", label: "any", selected: outcome == nil)]
                + JobQuery.LastOutcome.allCases.map { Option(value: $0.description, label: $0 == .never ? "never ran" : $0.description, selected: $0.description == outcome) },
            sort: sortText,
            columns: columns.map { label, field in
                let active = sort.field == field
                let next = JobQuery.Sort(field: field, descending: active && !sort.descending)
                return SortColumn(
                    label: label, url: "/" + FormBody.query(filters + [("sort", next.description)]),
                    ariaSort: active ? (sort.descending ? "descending" : "ascending") : "none",
                    arrow: active ? (sort.descending ? "▼" : "▲") : "")
            },
            rows: rows,
            nextURL: result.nextCursor.map { "/" + FormBody.query(filters + [("sort", page.query("sort")), ("cursor", $0)]) },
            firstURL: cursor == nil ? nil : "/" + FormBody.query(filters + [("sort", page.query("sort"))]),
            filtered: search != nil || state != nil || task != nil || outcome != nil)
        return Response.html(renderer.render(view, template: "jobs"))
    }

    func jobPage(_ page: PageRequest) async throws -> Response {
        let job = try await findJob(page.parameter("job"))
        let now = engine.clock.now()
        let statusText = page.query("status")
        let statuses = try Self.statusFilter(statusText)
        let cursor = page.query("cursor")
        let history = try await store.history(HistoryQuery(jobId: job.id, statuses: statuses, limit: 25, cursor: cursor))
        let recent = cursor == nil && statuses.isEmpty
            ? history.items : try await store.history(HistoryQuery(jobId: job.id, limit: 25)).items
        let zone = job.spec.schedule.zone
        let path = job.pagePath
        let fires = job.upcomingFires(after: now, count: 10).map { TimeView($0, zone: zone, now: now) }
        let chart = DurationChart(executions: recent.reversed()).svg
        let view = JobPage(
            chrome: chrome(page, title: job.spec.name, section: "jobs", live: KairosAPI.prefix + "/scheduler/events?jobId=\(job.id.uuidString)"),
            job: JobRow(job, now: now, returnTo: path),
            definition: JobDefinition(job, now: now),
            fires: fires,
            hasFires: !fires.isEmpty,
            zone: zone.identifier,
            statuses: Self.statusOptions(selected: statusText),
            executions: history.items.map { ExecutionRow($0, now: now, zone: zone) },
            nextURL: history.nextCursor.map { path + FormBody.query([("status", statusText), ("cursor", $0)]) },
            firstURL: cursor == nil ? nil : path + FormBody.query([("status", statusText)]),
            chart: chart.isEmpty ? nil : chart,
            path: path,
            liveRows: cursor == nil && statuses.isEmpty)
        return Response.html(renderer.render(view, template: "job"))
    }
}

/// A `<select>` option.
struct Option {
    var value: String
    var label: String
    var selected: Bool
}

struct SortColumn {
    var label: String
    var url: String
    var ariaSort: String
    var arrow: String
}

struct JobsPage {
    var chrome: Chrome
    var q: String
    var statuses: [Option]
    var tasks: [Option]
    var outcomes: [Option]
    var sort: String
    var columns: [SortColumn]
    var rows: [JobRow]
    var nextURL: String?
    var firstURL: String?
    var filtered: Bool

    /// `rows` as HTML (``JobRowsHTML``), with the actions when the viewer may use them.
    var rowsHTML: String { JobRowsHTML(actionsToken: chrome.canOperate ? chrome.csrf : nil).render(rows) }
}

/// A job as a row of the jobs table (and the head of its page), with the actions its state allows.
struct JobRow {
    struct Action {
        var action: String
        var label: String
    }

    var id: String
    var key: String
    var name: String
    var url: String
    var task: String
    var schedule: String
    var nextRun: TimeView?
    var lastRun: TimeView?
    var lastStatus: String?
    var state: String
    var actions: [Action]
    var returnTo: String
    var system: Bool
    var priority: Int
    /// The last 20 outcomes as SVG (the jobs page only).
    var sparkline: String?

    init(_ job: Job, now: Date, returnTo: String) {
        id = job.id.uuidString
        key = job.key
        name = job.displayName
        url = job.pagePath
        task = job.spec.task
        schedule = job.spec.schedule.humanDescription
        let zone = job.spec.schedule.zone
        nextRun = job.shownNextRunAt.map { TimeView($0, zone: zone, now: now) }
        lastRun = job.lastRunAt.map { TimeView($0, zone: zone, now: now) }
        lastStatus = job.lastStatus?.rawValue
        state = !job.spec.enabled ? "disabled" : job.spec.paused ? "paused" : "active"
        var actions: [Action] = []
        actions.append(job.spec.paused ? Action(action: "resume", label: "Resume") : Action(action: "pause", label: "Pause"))
        actions.append(job.spec.enabled ? Action(action: "disable", label: "Disable") : Action(action: "enable", label: "Enable"))
        if job.spec.enabled { actions.append(Action(action: "trigger", label: "Run now")) }
        self.actions = actions
        self.returnTo = returnTo
        system = job.system
        priority = job.spec.priority
        sparkline = nil
    }
}

// The jobs page's views name their fields for Mustache (`MustacheParent`): without it every
// `{{name}}` reflects the whole value with `Mirror` (and a name looked up from an inner section,
// such as `{{chrome.csrf}}` in a row, reflects every value on the way), which was most of the
// page's time with 50 rows (docs/PERFORMANCE.md, 2026-12-07).

extension Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

extension SortColumn: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "url": url
        case "ariaSort": ariaSort
        case "arrow": arrow
        default: nil
        }
    }
}

extension JobsPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "chrome": chrome
        case "q": q
        case "statuses": statuses
        case "tasks": tasks
        case "outcomes": outcomes
        case "sort": sort
        case "columns": columns
        case "rows": rows
        case "rowsHTML": rowsHTML
        case "nextURL": nextURL
        case "firstURL": firstURL
        case "filtered": filtered
        default: nil
        }
    }
}

extension JobRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "key": key
        case "name": self.name
        case "url": url
        case "task": task
        case "schedule": schedule
        case "nextRun": nextRun
        case "lastRun": lastRun
        case "lastStatus": lastStatus
        case "state": state
        case "actions": actions
        case "returnTo": returnTo
        case "system": system
        case "priority": priority
        case "sparkline": sparkline
        default: nil
        }
    }
}

extension JobRow.Action: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "action": action
        case "label": label
        default: nil
        }
    }
}

struct JobPage {
    var chrome: Chrome
    var job: JobRow
    var definition: JobDefinition
    var fires: [TimeView]
    var hasFires: Bool
    var zone: String
    var statuses: [Option]
    var executions: [ExecutionRow]
    var nextURL: String?
    var firstURL: String?
    var chart: String?
    var path: String
    /// New executions are added to the history as they come (first page, no filter).
    var liveRows: Bool
}

/// Every field of a job's definition, as text.
struct JobDefinition {
    struct Field {
        var label: String
        var value: String
        var code: Bool
    }

    var description: String?
    var fields: [Field]
    var args: String

    init(_ job: Job, now: Date) {
        let spec = job.spec
        description = spec.description.isEmpty ? nil : spec.description
        let retry = spec.retry
        var fields = [
            Field(label: "Key", value: job.key, code: true),
            Field(label: "Task", value: spec.task, code: true),
            Field(label: "Schedule", value: spec.schedule.humanDescription, code: false),
        ]
        if case .cron(let cron) = spec.schedule { fields.append(Field(label: "Cron expression", value: cron.expression.description, code: true)) }
        fields += [
            Field(label: "Priority", value: "\(spec.priority)", code: false),
            Field(label: "Max instances", value: "\(spec.maxInstances)", code: false),
            Field(label: "Misfire grace time", value: "\(spec.misfireGraceTime) s", code: false),
            Field(label: "Coalesce", value: spec.coalesce ? "yes" : "no", code: false),
            Field(label: "Retries", value: retry.maxRetries == 0 ? "none"
                : "\(retry.maxRetries), backoff \(JobFormValues.number(retry.backoff.initial)) s × \(JobFormValues.number(retry.backoff.multiplier))"
                    + " up to \(JobFormValues.number(retry.backoff.max)) s\(retry.jitter ? ", with jitter" : "")", code: false),
            Field(label: "Timeout", value: spec.timeout.map { "\(JobFormValues.number($0)) s" } ?? "none", code: false),
            Field(label: "Enabled", value: spec.enabled ? "yes" : "no", code: false),
            Field(label: "Paused", value: spec.paused ? "yes" : "no", code: false),
            Field(label: "Version", value: "\(job.version)", code: false),
            Field(label: "Created", value: Formatting.instant(job.createdAt), code: false),
            Field(label: "Updated", value: Formatting.instant(job.updatedAt), code: false),
            Field(label: "Id", value: job.id.uuidString, code: true),
        ]
        self.fields = fields
        args = Self.pretty(spec.args)
    }

    static func pretty(_ value: JSONValue) -> String {
        if value == [:] { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

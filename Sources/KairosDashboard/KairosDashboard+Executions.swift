import Foundation
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    func addExecutionRoutes(to pages: inout PageTable) {
        pages.add(.get, "/executions", .viewer) { page in try await executionsPage(page) }

        pages.add(.post, "/executions/{execution}/cancel", .operator) { page in
            let reference = page.parameter("execution")
            guard let id = UUID(uuidString: reference), try await store.execution(id: id) != nil else {
                throw DashboardError(.notFound, "There is no execution with the id '\(reference)'.")
            }
            _ = try await engine.jobs.cancel(executionId: id)
            return Response.redirect(to: "/executions/\(id.uuidString)")
        }

        pages.add(.get, "/executions/{execution}", .viewer) { page in
            let reference = page.parameter("execution")
            guard let id = UUID(uuidString: reference), let execution = try await store.execution(id: id) else {
                throw DashboardError(.notFound, "There is no execution with the id '\(reference)'.")
            }
            let now = engine.clock.now()
            let job = try await store.job(id: execution.jobId)
            let zone = job?.spec.schedule.zone ?? .utc
            let view = ExecutionPage(
                chrome: chrome(page, title: "Execution of \(job?.spec.name ?? execution.jobKey)", section: "jobs",
                    live: execution.status.isFinal ? nil : KairosAPI.prefix + "/scheduler/events?jobId=\(execution.jobId.uuidString)"),
                execution: ExecutionRow(execution, now: now, zone: zone),
                jobName: job?.displayName ?? execution.jobKey,
                jobURL: job.flatMap { $0.deleted ? nil : $0.pagePath },
                attempts: execution.attempts.map { AttemptRow($0, zone: zone, now: now) },
                trigger: execution.trigger.rawValue,
                scheduled: TimeView(execution.scheduledAt, zone: zone, now: now),
                runAfter: TimeView(execution.runAfter, zone: zone, now: now),
                created: TimeView(execution.createdAt, zone: zone, now: now),
                priority: execution.priority,
                cancellable: !execution.status.isFinal)
            return Response.html(renderer.render(view, template: "execution"))
        }
    }
}

struct ExecutionPage {
    var chrome: Chrome
    var execution: ExecutionRow
    var jobName: String
    var jobURL: String?
    var attempts: [AttemptRow]
    var trigger: String
    var scheduled: TimeView
    var runAfter: TimeView
    var created: TimeView
    var priority: Int
    var cancellable: Bool
}

struct ExecutionsPage {
    struct Preset {
        var label: String
        var url: String
    }

    var chrome: Chrome
    var statuses: [Option]
    var job: String
    /// The range's ends as `datetime-local` values (UTC, no offset).
    var from: String
    var to: String
    var orders: [Option]
    var presets: [Preset]
    var rows: [ExecutionRow]
    var nextURL: String?
    var firstURL: String?
    var filtered: Bool
}

/// An execution as a row of a history table (and the head of its page).
struct ExecutionRow {
    var id: String
    var url: String
    var status: String
    var trigger: String
    var attempt: Int
    var scheduled: TimeView
    var started: TimeView?
    var finished: TimeView?
    var duration: String?
    /// Start minus scheduled time.
    var lag: String?
    var errorReason: String?
    var errorMessage: String?
    var result: String?
    var instance: String?
    var jobKey: String
    var jobURL: String

    init(_ execution: Execution, now: Date, zone: ZoneRules = .utc) {
        id = execution.id.uuidString
        url = "/executions/\(execution.id.uuidString)"
        status = execution.status.rawValue
        trigger = execution.trigger.rawValue
        attempt = execution.attempt
        scheduled = TimeView(execution.scheduledAt, zone: zone, now: now)
        started = execution.startedAt.map { TimeView($0, zone: zone, now: now) }
        finished = execution.finishedAt.map { TimeView($0, zone: zone, now: now) }
        duration = execution.durationMs.map { Formatting.duration(milliseconds: $0) }
        lag = execution.startedAt.map { Formatting.duration(milliseconds: max(0, Int($0.timeIntervalSince(execution.scheduledAt) * 1000))) }
        errorReason = execution.error?.reason
        errorMessage = execution.error?.message
        result = execution.result
        instance = execution.instanceId
        jobKey = execution.jobKey
        jobURL = Job.pagePath(key: execution.jobKey, id: execution.jobId)
    }
}

struct AttemptRow {
    var attempt: Int
    var status: String
    var instance: String?
    var started: TimeView?
    var finished: TimeView?
    var duration: String?
    var error: String?
    var result: String?

    init(_ attempt: ExecutionAttempt, zone: ZoneRules, now: Date) {
        self.attempt = attempt.attempt
        status = attempt.status.rawValue
        instance = attempt.instanceId
        started = attempt.startedAt.map { TimeView($0, zone: zone, now: now) }
        finished = attempt.finishedAt.map { TimeView($0, zone: zone, now: now) }
        duration = attempt.durationMs.map { Formatting.duration(milliseconds: $0) }
        error = attempt.error?.description
        result = attempt.result
    }
}

extension KairosDashboard {
    /// Recent executions across jobs, newest first (or failed ones first); by status, job and
    /// a range of scheduled times (UTC).
    func executionsPage(_ page: PageRequest) async throws -> Response {
        let now = engine.clock.now()
        let statusText = page.query("status")
        let statuses = try Self.statusFilter(statusText)
        let jobText = page.query("job")?.trimmingCharacters(in: .whitespaces)
        let fromText = page.query("from")
        let toText = page.query("to")
        let order = page.query("order")
        guard order == nil || order == "failed-first" else { throw DashboardError(.badRequest, "Unknown order '\(order ?? "")'; newest first, or failed-first.") }
        let cursor = page.query("cursor")
        var query = HistoryQuery(statuses: statuses, limit: Self.pageSize)
        query.scheduledFrom = try Self.instant(fromText, field: "From")
        query.scheduledBefore = try Self.instant(toText, field: "To")
        if let jobText, !jobText.isEmpty {
            if let id = UUID(uuidString: jobText) {
                query.jobId = id
            } else if JobSpec.isValidKey(jobText), let job = try await store.lastJob(key: jobText) {
                query.jobId = job.id
            } else {
                throw DashboardError(.badRequest, "No job, live or deleted, has the key '\(jobText)'.")
            }
        }
        let result: Page<Execution>
        if order == nil {
            query.cursor = cursor
            result = try await store.history(query)
        } else {
            result = try await FailedFirstHistory(store: store, query: query).page(after: cursor)
        }
        let filters: [(String, String?)] = [("status", statusText), ("job", jobText), ("from", fromText), ("to", toText), ("order", order)]
        let filtered = filters.contains { $0.1?.isEmpty == false }
        let live = !filtered && cursor == nil
        func preset(_ label: String, _ seconds: TimeInterval) -> ExecutionsPage.Preset {
            let range: [(String, String?)] = [("from", Self.localInput(now.addingTimeInterval(-seconds)))]
            return ExecutionsPage.Preset(label: label, url: "/executions" + FormBody.query([("status", statusText), ("job", jobText)] + range + [("order", order)]))
        }
        let view = ExecutionsPage(
            chrome: chrome(page, title: "Executions", section: "executions", live: live ? KairosAPI.prefix + "/scheduler/events" : nil),
            statuses: Self.statusOptions(selected: statusText),
            job: jobText ?? "",
            from: query.scheduledFrom.map(Self.localInput) ?? "",
            to: query.scheduledBefore.map(Self.localInput) ?? "",
            orders: [Option(value: "", label: "newest first", selected: order == nil), Option(value: "failed-first", label: "failed first", selected: order != nil)],
            presets: [preset("Last hour", 3600), preset("Last 24 hours", 86_400), preset("Last 7 days", 7 * 86_400)],
            rows: result.items.map { ExecutionRow($0, now: now) },
            nextURL: result.nextCursor.map { "/executions" + FormBody.query(filters + [("cursor", $0)]) },
            firstURL: cursor == nil ? nil : "/executions" + FormBody.query(filters),
            filtered: filtered)
        return Response.html(renderer.render(view, template: "executions"))
    }

    /// A history list's `status` filter: one execution status, or none (every status).
    static func statusFilter(_ text: String?) throws -> Set<ExecutionStatus> {
        guard let text else { return [] }
        guard let status = ExecutionStatus(rawValue: text) else { throw DashboardError(.badRequest, "Unknown status '\(text)'.") }
        return [status]
    }

    /// The options of a history list's status filter, "any" first.
    static func statusOptions(selected: String?) -> [Option] {
        [Option(value: "", label: "any", selected: selected == nil)]
            + ExecutionStatus.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == selected) }
    }

    /// A range end typed in the filter form: ISO 8601, UTC unless it names an offset.
    static func instant(_ text: String?, field: String) throws -> Date? {
        guard let text else { return nil }
        do {
            return try Timestamp.parse(text)
        } catch {
            throw DashboardError(.badRequest, "\(field) is not a date and time such as 2026-12-07T09:00 (UTC): \(error)")
        }
    }

    /// `2026-12-07T09:00:00`: an instant in UTC as a `datetime-local` input's value.
    static func localInput(_ date: Date) -> String {
        String(Timestamp.format(date).prefix(19))
    }
}

import Foundation
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    func addExecutionRoutes(to pages: inout PageTable) {
        pages.add(.get, "/executions/{execution}", .viewer) { page in
            let reference = page.parameter("execution")
            guard let id = UUID(uuidString: reference), let execution = try await store.execution(id: id) else {
                throw DashboardError(.notFound, "There is no execution with the id '\(reference)'.")
            }
            let now = engine.clock.now()
            let job = try await store.job(id: execution.jobId)
            let zone = job?.spec.schedule.zone ?? .utc
            let view = ExecutionPage(
                chrome: chrome(page, title: "Execution of \(job?.spec.name ?? execution.jobKey)", section: "jobs"),
                execution: ExecutionRow(execution, now: now, zone: zone),
                jobName: job.map { $0.spec.name.isEmpty ? $0.key : $0.spec.name } ?? execution.jobKey,
                jobURL: job.flatMap { $0.deleted ? nil : "/jobs/" + FormBody.encode($0.key) },
                attempts: execution.attempts.map { AttemptRow($0, zone: zone, now: now) },
                trigger: execution.trigger.rawValue,
                scheduled: TimeView(execution.scheduledAt, zone: zone, now: now),
                runAfter: TimeView(execution.runAfter, zone: zone, now: now),
                created: TimeView(execution.createdAt, zone: zone, now: now),
                priority: execution.priority)
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

import Foundation
import Hummingbird
import KairosCore
import KairosHTTP
import KairosStore

extension KairosDashboard {
    /// At most this many executions are read for the last hour's throughput and lag.
    static let statusSampleLimit = 5000

    /// The scheduler's state: instances, queue depth, counts, the last hour's throughput by
    /// outcome and its schedule lag, the next fires.
    func addStatusRoutes(to pages: inout PageTable) {
        pages.add(.get, "/status", .viewer) { page in
            let now = engine.clock.now()
            async let instances = store.listInstances()
            async let queueDepth = store.queueDepth(now: now)
            async let jobCounts = store.jobCounts()
            async let executionCounts = store.executionCounts()
            async let upcoming = store.upcomingJobs(limit: 10)
            let recent = try await recentExecutions(since: now.addingTimeInterval(-3600))
            let deadAfter = engine.configuration.deadInstanceAfter
            let lags = recent.executions.filter { $0.trigger == .scheduled }.compactMap { execution in
                execution.startedAt.map { max(0, Int($0.timeIntervalSince(execution.scheduledAt) * 1000)) }
            }.sorted()
            let counts = try await jobCounts
            let executions = try await executionCounts
            let view = StatusPage(
                chrome: chrome(page, title: "Status", section: "status", live: KairosAPI.prefix + "/scheduler/events").refreshing(),
                instances: try await instances.map { InstanceRow($0, now: now, deadAfter: deadAfter, current: $0.id == engine.configuration.instanceId) },
                queueDepth: try await queueDepth,
                jobCounts: JobQuery.State.allCases.map { Count(label: $0.rawValue, value: counts[$0] ?? 0) },
                executionCounts: ExecutionStatus.allCases.map { Count(label: $0.rawValue, value: executions[$0] ?? 0) },
                throughput: ThroughputChart(executions: recent.executions, now: now).svg,
                finishedLastHour: recent.executions.filter { $0.status.isFinal }.count,
                sampleCapped: recent.capped,
                lagP50: Self.percentile(lags, 0.50).map { Formatting.duration(milliseconds: $0) },
                lagP99: Self.percentile(lags, 0.99).map { Formatting.duration(milliseconds: $0) },
                lagCount: lags.count,
                upcoming: try await upcoming.compactMap { job in job.nextRunAt.map { UpcomingRow(job, at: $0, now: now) } })
            return Response.html(renderer.render(view, template: "status"))
        }
    }

    /// The executions created since `start`, newest first, reading at most
    /// ``statusSampleLimit`` (`capped` when there were more).
    func recentExecutions(since start: Date) async throws -> (executions: [Execution], capped: Bool) {
        var executions: [Execution] = []
        var cursor: String?
        for _ in 0..<(Self.statusSampleLimit / 500) {
            let page = try await store.history(HistoryQuery(limit: 500, cursor: cursor))
            let recent = page.items.prefix { $0.createdAt >= start }
            executions += recent
            guard recent.count == page.items.count, let next = page.nextCursor else { return (executions, false) }
            cursor = next
        }
        return (executions, true)
    }

    /// The value below which `fraction` of the sorted `values` lie (nearest rank).
    static func percentile(_ values: [Int], _ fraction: Double) -> Int? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return values[min(values.count - 1, max(0, rank - 1))]
    }
}

struct Count {
    var label: String
    var value: Int
}

struct InstanceRow {
    var id: String
    var hostname: String
    var pid: Int
    var roles: String
    var version: String
    var started: TimeView
    var heartbeatAge: String
    var state: String
    var current: Bool

    init(_ instance: InstanceInfo, now: Date, deadAfter: TimeInterval, current: Bool) {
        id = instance.id
        hostname = instance.hostname
        pid = instance.pid
        roles = instance.roles.joined(separator: ", ")
        version = instance.version
        started = TimeView(instance.startedAt, now: now)
        heartbeatAge = Formatting.duration(milliseconds: Int(instance.heartbeatAge(at: now) * 1000))
        state = instance.stoppedAt != nil ? "stopped" : instance.isAlive(at: now, deadAfter: deadAfter) ? "alive" : "dead"
        self.current = current
    }
}

/// A fire of a job, in the job's zone.
struct UpcomingRow {
    var key: String
    var name: String
    var url: String
    var at: TimeView

    init(_ job: Job, at date: Date, now: Date) {
        key = job.key
        name = job.displayName
        url = job.pagePath
        at = TimeView(date, zone: job.spec.schedule.zone, now: now)
    }
}

struct StatusPage {
    var chrome: Chrome
    var instances: [InstanceRow]
    var queueDepth: Int
    var jobCounts: [Count]
    var executionCounts: [Count]
    var throughput: String
    var finishedLastHour: Int
    var sampleCapped: Bool
    var lagP50: String?
    var lagP99: String?
    var lagCount: Int
    var upcoming: [UpcomingRow]
}

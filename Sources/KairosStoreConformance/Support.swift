import Foundation
import KairosCore
import KairosStore
import Testing

/// A fixed instant on a whole hour (2027-01-15T08:00:00Z), the origin of every case's clock.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

func intervalSpec(
    _ key: String, seconds: Int = 60, task: String = "system.noop", priority: Int = 0, maxInstances: Int = 1, grace: Int = 60,
    coalesce: Bool = true, retry: RetryPolicy = .none, enabled: Bool = true, paused: Bool = false
) throws -> JobSpec {
    try JobSpec(
        key: key, task: task, schedule: .interval(try IntervalSchedule(seconds: seconds)), priority: priority, maxInstances: maxInstances,
        misfireGraceTime: grace, coalesce: coalesce, retry: retry, enabled: enabled, paused: paused)
}

func oneShotSpec(_ key: String, at runAt: Date, priority: Int = 0) throws -> JobSpec {
    try JobSpec(key: key, task: "system.noop", schedule: .date(DateSchedule(runAt: runAt)), priority: priority)
}

/// A job that never fires on its own during a case (a yearly cron), for manual triggers.
func manualSpec(_ key: String, priority: Int = 0, maxInstances: Int = 1, retry: RetryPolicy = .none) throws -> JobSpec {
    try JobSpec(
        key: key, task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 0 1 1 *")), priority: priority,
        maxInstances: maxInstances, retry: retry)
}

/// Expects `body` to throw a ``StoreError`` with `code`; returns it.
@discardableResult
func expectStoreError<T>(
    _ code: StoreError.Code, _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> StoreError? {
    do {
        _ = try await body()
        Issue.record("\(what): expected StoreError(.\(code.rawValue)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(what): \(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("\(what): expected StoreError(.\(code.rawValue)), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Every execution in history, newest first, following cursors.
func allHistory(
    _ store: any JobStore, jobId: UUID? = nil, statuses: Set<ExecutionStatus> = [], from: Date? = nil, before: Date? = nil, pageSize: Int = 500
) async throws -> [Execution] {
    var items: [Execution] = []
    var cursor: String?
    for _ in 0..<10_000 {
        let query = HistoryQuery(jobId: jobId, statuses: statuses, scheduledFrom: from, scheduledBefore: before, limit: pageSize, cursor: cursor)
        let page = try await store.history(query)
        items += page.items
        guard let next = page.nextCursor else { return items }
        cursor = next
    }
    Issue.record("history pagination did not end")
    return items
}

/// Every job listed, following cursors.
func allJobs(_ store: any JobStore, _ query: JobQuery) async throws -> [Job] {
    var items: [Job] = []
    var query = query
    for _ in 0..<10_000 {
        let page = try await store.listJobs(query)
        items += page.items
        guard let next = page.nextCursor else { return items }
        query.cursor = next
    }
    Issue.record("job list pagination did not end")
    return items
}

/// `jobs` in the order a job list sorted by `sort` must have (``JobQuery/SortField``): ties by
/// key in the same direction, no next fire after everything, never ran before everything.
func expectedOrder(_ jobs: [Job], _ sort: JobQuery.Sort) -> [String] {
    func compare(_ a: Job, _ b: Job) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        // Text compares byte by byte, as SQL's default (binary) collation does.
        func bytes(_ x: String, _ y: String) -> Int {
            x.utf8.elementsEqual(y.utf8) ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        }
        switch sort.field {
        case .key: return bytes(a.key, b.key)
        case .name: return bytes(a.spec.name, b.spec.name)
        case .priority: return order(a.spec.priority, b.spec.priority)
        case .createdAt: return order(a.createdAt, b.createdAt)
        case .nextRunAt: return order(a.nextRunAt ?? .distantFuture, b.nextRunAt ?? .distantFuture)
        case .lastRunAt: return order(a.lastRunAt ?? .distantPast, b.lastRunAt ?? .distantPast)
        }
    }
    return jobs.sorted { a, b in
        let comparison = compare(a, b)
        if comparison != 0 { return sort.descending ? comparison > 0 : comparison < 0 }
        return sort.descending ? a.key > b.key : a.key < b.key
    }.map(\.key)
}

func completion(_ claimed: ClaimedExecution, instance: String = "worker-a", startedAt: Date, finishedAt: Date, _ outcome: Completion.Outcome) -> Completion {
    Completion(
        executionId: claimed.execution.id, instanceId: instance, attempt: claimed.execution.attempt, startedAt: startedAt,
        finishedAt: finishedAt, outcome: outcome)
}

func instance(_ id: String, at date: Date) -> InstanceInfo {
    InstanceInfo(id: id, hostname: "host-\(id)", pid: 42, roles: ["scheduler", "worker"], version: "test", startedAt: date, heartbeatAt: date)
}

/// Claims like `claimExecutions` and records that each claimed attempt started at `now`: a
/// worker that took the executions and began running them (a reaper then fails a lost attempt
/// instead of releasing it).
func claimAndStart(
    _ store: any JobStore, instanceId: String, now: Date, horizon: Date, limit: Int, leaseUntil: Date
) async throws -> [ClaimedExecution] {
    let claimed = try await store.claimExecutions(instanceId: instanceId, now: now, horizon: horizon, limit: limit, leaseUntil: leaseUntil)
    try await store.recordStarts(claimed.map {
        AttemptStart(executionId: $0.execution.id, instanceId: instanceId, attempt: $0.execution.attempt, startedAt: now)
    })
    return claimed.map { claimed in
        var started = claimed
        started.execution.startedAt = now
        return started
    }
}

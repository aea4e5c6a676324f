import Foundation
import GRDB
import KairosCore
@testable import KairosSQLite
import KairosStore
import Testing

/// The job list at a size where the plan matters: every order walks its index, a filter that
/// matches few jobs narrows to its own index, and neither scans the table (docs/STORE.md).
@Suite("SQLite store: job list plans and indexes")
struct SQLiteJobListTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let jobCount = 3_000

    /// `jobCount` jobs: 2 % on task `report.build`, 1 in 3 paused, priorities 0–4, three
    /// creation times, some run once; more than the smallest probe bound (1,000) for dense filters.
    static func seeded(_ directory: TemporaryDirectory) async throws -> SQLiteJobStore {
        let store = try SQLiteJobStore(path: directory.path("list.db"))
        var specs: [JobSpec] = []
        for index in 0..<jobCount {
            var spec = try JobSpec(
                key: "job-\((index * 7919) % jobCount)", task: index % 50 == 0 ? "report.build" : "system.noop",
                schedule: .interval(try IntervalSchedule(seconds: 60 + index % 17)), priority: index % 5, paused: index % 3 == 0)
            spec.name = ["Nightly", "hourly", "Backup"][index % 3] + " \(index % 10)"
            specs.append(spec)
        }
        for part in 0..<3 {
            let slice = specs[(part * jobCount / 3)..<((part + 1) * jobCount / 3)]
            _ = try await store.createJobs(Array(slice), now: now.addingTimeInterval(Double(part)))
        }
        for index in stride(from: 0, to: 40, by: 1) {
            let job = try #require(try await store.job(key: "job-\(index * 13)"))
            _ = try await store.trigger(jobId: job.id, now: now.addingTimeInterval(Double(index)))
            let claimed = try #require(try await store.claimExecutions(instanceId: "w", now: now.addingTimeInterval(Double(index)), horizon: now.addingTimeInterval(Double(index)), limit: 1, leaseUntil: now.addingTimeInterval(600)).first)
            _ = try await store.complete(
                [Completion(executionId: claimed.execution.id, instanceId: "w", attempt: 1, startedAt: now.addingTimeInterval(Double(index)),
                            finishedAt: now.addingTimeInterval(Double(index) + 1), outcome: .succeeded(result: nil))],
                now: now.addingTimeInterval(Double(index) + 1))
        }
        return store
    }

    static let filters: [(String, JobQuery)] = [
        ("none", JobQuery()),
        ("dense state", JobQuery(state: .active)),
        ("dense paused", JobQuery(paused: false)),
        ("sparse task", JobQuery(task: "report.build")),
        ("empty task", JobQuery(task: "nothing")),
        ("sparse prefix", JobQuery(keyPrefix: "job-12")),
        ("dense search", JobQuery(search: "night")),
        ("sparse search", JobQuery(search: "job-2999")),
        ("short search", JobQuery(search: "p 7")),
        ("dense filters together", JobQuery(enabled: true, paused: true, includeSystem: false)),
        ("last outcome, no index of its own", JobQuery(lastOutcome: .never)),
        ("last outcome after a sparse task", JobQuery(task: "report.build", lastOutcome: .status(.failed))),
    ]

    /// The plan SQLite makes for the page `listJobs` would read.
    func plan(_ store: SQLiteJobStore, _ query: JobQuery) async throws -> [String] {
        let plan = try JobListPlan(query, limit: min(max(query.limit, 1), JobQuery.maximumLimit))
        return try await store.pool.read { db in
            let (sql, arguments) = plan.statement(try plan.choose(db))
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    @Test func everyOrderAndFilterUsesAnIndexNeverATableScan() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.seeded(directory)
        for (name, filter) in Self.filters {
            for sort in JobQuery.Sort.allCases {
                var query = filter
                query.sort = sort
                query.limit = 50
                for page in 0..<2 {
                    let steps = try await plan(store, query)
                    let what = "filter \(name), sorted by \(sort), page \(page + 1): \(steps)"
                    #expect(!steps.contains { $0 == "SCAN jobs" || $0.hasPrefix("SCAN jobs ") && !$0.contains("USING") }, "no table scan: \(what)")
                    #expect(steps.contains { $0.contains("USING INDEX") || $0.contains("USING COVERING INDEX") || $0.contains("INTEGER PRIMARY KEY") }, "\(what)")
                    if !steps.contains(where: { $0.contains("TEMP B-TREE") }) {
                        #expect(steps.contains { $0.contains(JobOrder(sort).index) }, "a walk in order uses the order's index: \(what)")
                    }
                    guard let cursor = try await store.listJobs(query).nextCursor else { break }
                    query.cursor = cursor
                }
            }
        }
    }

    @Test func densePagesWalkTheOrderAndSparseOnesNarrow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.seeded(directory)
        for sort in [JobQuery.Sort(field: .name), JobQuery.Sort(field: .nextRunAt, descending: true)] {
            let walk = try await plan(store, JobQuery(state: .active, sort: sort, limit: 50))
            #expect(walk.contains { $0.contains(JobOrder(sort).index) } && !walk.contains { $0.contains("TEMP B-TREE") }, "dense: \(walk)")
            let task = try await plan(store, JobQuery(task: "report.build", sort: sort, limit: 50))
            #expect(task.contains { $0.contains("jobs_by_task") }, "sparse task: \(task)")
            let search = try await plan(store, JobQuery(search: "job-2999", sort: sort, limit: 50))
            #expect(search.contains { $0.contains("jobs_search") }, "sparse search: \(search)")
        }
    }

    @Test func everyOrderAndFilterPagesLikeASortInMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.seeded(directory)
        var everything: [Job] = []
        var cursor: String?
        repeat {
            let page = try await store.listJobs(JobQuery(limit: 500, cursor: cursor))
            everything += page.items
            cursor = page.nextCursor
        } while cursor != nil
        #expect(everything.count == Self.jobCount)
        func matches(_ job: Job, _ query: JobQuery) -> Bool {
            let state: JobQuery.State = !job.spec.enabled ? .disabled : job.spec.paused ? .paused : job.nextRunAt == nil ? .finished : .active
            if let wanted = query.state, wanted != state { return false }
            if let task = query.task, job.spec.task != task { return false }
            if let enabled = query.enabled, job.spec.enabled != enabled { return false }
            if let paused = query.paused, job.spec.paused != paused { return false }
            if let outcome = query.lastOutcome, !outcome.matches(job.lastStatus) { return false }
            if let prefix = query.keyPrefix, !job.key.hasPrefix(prefix) { return false }
            if let search = query.search?.lowercased(), !job.key.lowercased().contains(search), !job.spec.name.lowercased().contains(search) { return false }
            return query.includeSystem || !job.system
        }
        for (name, filter) in Self.filters {
            let expected = everything.filter { matches($0, filter) }
            for sort in JobQuery.Sort.allCases {
                var query = filter
                query.sort = sort
                query.limit = 97
                var keys: [String] = []
                var pages = 0
                repeat {
                    let page = try await store.listJobs(query)
                    keys += page.items.map(\.key)
                    query.cursor = page.nextCursor
                    pages += 1
                } while query.cursor != nil && pages < 100
                #expect(keys == Self.order(expected, sort), "filter \(name), sorted by \(sort)")
            }
        }
    }

    /// `jobs` as the list sorts them (ties by key in the same direction; text byte by byte).
    static func order(_ jobs: [Job], _ sort: JobQuery.Sort) -> [String] {
        func before(_ x: String, _ y: String) -> Bool { x.utf8.lexicographicallyPrecedes(y.utf8) }
        func compare(_ a: Job, _ b: Job) -> Int {
            func number(_ x: Int64, _ y: Int64) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
            switch sort.field {
            case .key: return 0
            case .name: return a.spec.name == b.spec.name ? 0 : (before(a.spec.name, b.spec.name) ? -1 : 1)
            case .priority: return number(Int64(a.spec.priority), Int64(b.spec.priority))
            case .createdAt: return number(Micros.from(a.createdAt), Micros.from(b.createdAt))
            case .nextRunAt: return number(a.nextRunAt.map(Micros.from) ?? .max, b.nextRunAt.map(Micros.from) ?? .max)
            case .lastRunAt: return number(a.lastRunAt.map(Micros.from) ?? .min, b.lastRunAt.map(Micros.from) ?? .min)
            }
        }
        let ascending = jobs.sorted { a, b in
            let comparison = compare(a, b)
            return comparison != 0 ? comparison < 0 : before(a.key, b.key)
        }.map(\.key)
        return sort.descending ? ascending.reversed() : ascending
    }

    @Test func countsUpcomingAndDueReadIndexes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("plans.db"))
        let plans = try await store.pool.read { db in
            try [
                "SELECT state, jobs FROM job_counts",
                "SELECT next_run_at FROM jobs INDEXED BY jobs_due_by_key WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL ORDER BY next_run_at LIMIT 1",
                "SELECT \(SQLiteJobStore.jobColumns) FROM jobs INDEXED BY jobs_due_by_key WHERE enabled = 1 AND paused = 0 AND deleted = 0 AND next_run_at IS NOT NULL ORDER BY next_run_at, key LIMIT 10",
                SQLiteJobStore.dueJobsSQL,
            ].map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(Array(repeating: 1, count: sql.filter { $0 == "?" }.count)))
                    .map { $0["detail"] as String }
            }
        }
        #expect(plans[0] == ["SCAN job_counts"], "counts read 4 rows, not the jobs")
        for plan in plans.dropFirst() {
            #expect(plan.contains { $0.contains("jobs_due_by_key") } && !plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        }
    }

    @Test func migrationFiveCountsAndIndexesJobsStoredBeforeIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("v4.db")
        let queue = try DatabaseQueue(path: path)
        try SQLiteJobStore.migrator.migrate(queue, upTo: "v4-api-keys")
        try await queue.write { db in
            let rows: [(enabled: Int, paused: Int, next: Int?)] = [(1, 0, 5), (1, 1, 5), (0, 0, 5), (1, 0, nil), (1, 0, 7)]
            for (index, (enabled, paused, next)) in rows.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO jobs (id, key, name, description, task, args, schedule, priority, max_instances, misfire_grace_time,
                          coalesce, retry, enabled, paused, deleted, next_run_at, created_at, updated_at, version)
                        VALUES (?, ?, ?, '', 'system.noop', '{}', '{"interval":{"seconds":60}}', 0, 1, 60, 1, '{}', ?, ?, ?, ?, 0, 0, 1)
                        """,
                    arguments: [UUID(), "old-\(index)", "Old Job \(index)", enabled, paused, index == 4 ? 1 : 0, next])
            }
        }
        try queue.close()
        let store = try SQLiteJobStore(path: path)
        let counts = try await store.jobCounts()
        #expect(counts == [.active: 1, .paused: 1, .disabled: 1, .finished: 1], "the deleted job is not counted")
        let found = try await store.pool.read { db in
            try Int.fetchAll(db, sql: "SELECT rowid FROM jobs_search WHERE jobs_search MATCH '\"old\" AND \"ld \"' ORDER BY rowid")
        }
        #expect(found == [1, 2, 3, 4], "live jobs indexed for search, the deleted one not")
    }
}

import Foundation
import GRDB
import KairosCore
@testable import KairosSQLite
import KairosStore
import Testing

/// How several handles (and processes) on one SQLite file behave: migrations are safe to run at
/// once; one process serves a file, a second serving open is refused; short-lived handles
/// (keys, migrate) open beside it.
@Suite("SQLite store: several handles on one file")
struct SQLiteProcessesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("handles opening a fresh file at the same moment all migrate it, none fails", arguments: 1...3)
    func concurrentMigrations(round: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("fresh-\(round).db")
        // Threads, not tasks: opening blocks, and the point is that the opens overlap.
        let results = await withTaskGroup(of: Result<[String], any Error>.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        DispatchQueue.global().async {
                            continuation.resume(returning: Result { try SQLiteJobStore(path: path).migrationsApplied })
                        }
                    }
                }
            }
            var all: [Result<[String], any Error>] = []
            for await result in group { all.append(result) }
            return all
        }
        for result in results {
            if case .failure(let error) = result { Issue.record("an open failed: \(error)") }
        }
        let store = try SQLiteJobStore(path: path)
        #expect(try await store.appliedMigrations() == SQLiteJobStore.migrator.migrations)
        let applied = results.compactMap { try? $0.get() }.flatMap { $0 }
        #expect(Set(applied) == Set(SQLiteJobStore.migrator.migrations), "every migration applied, by one handle or another")
    }

    @Test func aSecondServingHandleIsRefusedNamingTheFileAndTheHolder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("served.db")
        let serving = try SQLiteJobStore(path: path, exclusive: true)
        #expect(serving.isExclusive)
        do {
            _ = try SQLiteJobStore(path: path, exclusive: true)
            Issue.record("a second serving handle opened")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains(path), "names the file: \(error.message)")
            #expect(error.message.contains("already served"), "says why: \(error.message)")
            #expect(error.message.contains("pid \(ProcessInfo.processInfo.processIdentifier)"), "names the holder: \(error.message)")
        }
        let beside = try SQLiteJobStore(path: path)
        #expect(!beside.isExclusive, "a short-lived handle (keys, migrate) opens beside the server")
    }

    @Test func theServingLockIsReleasedWhenTheHandleCloses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("released.db")
        do { _ = try SQLiteJobStore(path: path, exclusive: true) }
        let again = try SQLiteJobStore(path: path, exclusive: true)
        #expect(again.isExclusive)
    }

    @Test func upgradingGivesWaitingFiresTheirGraceDeadline() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("upgrade.db")
        // A database at v4 with one fire waiting, as the previous release left it.
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteJobStore.migrator.migrate(queue, upTo: "v4-api-keys")
            let job = try JobSpec(key: "old", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 60)), misfireGraceTime: 30)
            try queue.inDatabase { db in
                try db.execute(
                    sql: """
                        INSERT INTO jobs (id, key, name, description, task, args, schedule, priority, max_instances, misfire_grace_time,
                          coalesce, retry, timeout, enabled, paused, next_run_at, created_at, updated_at, version)
                        VALUES (?, 'old', '', '', 'system.noop', '{}', ?, 0, 1, 30, 1, ?, NULL, 1, 0, NULL, 0, 0, 1)
                        """,
                    arguments: [UUID(), try String(decoding: JSONEncoder().encode(job.schedule), as: UTF8.self),
                                try String(decoding: JSONEncoder().encode(job.retry), as: UTF8.self)])
                let jobId = try Data.fetchOne(db, sql: "SELECT id FROM jobs")
                try db.execute(
                    sql: """
                        INSERT INTO executions (id, job_id, job_key, trigger, status, scheduled_at, run_after, priority, attempt, created_at)
                        VALUES (?, ?, 'old', 'scheduled', 'queued', 5000000, 5000000, 0, 1, 0)
                        """,
                    arguments: [UUID(), jobId])
            }
        }
        let store = try SQLiteJobStore(path: path)
        #expect(store.migrationsApplied == [
            "v5-executions-miss-after", "v6-jobs-list-indexes-counts-search", "v7-executions-queued-unbounded", "v8-jobs-not-runnable-no-next-fire",
            "v9-executions-attempts", "v10-jobs-deleted-by-key", "v11-web-sessions",
        ])
        let waiting = try #require(try await store.history(HistoryQuery()).items.first)
        #expect(waiting.missAfter == Date(timeIntervalSince1970: 35), "runAfter + 30 s of grace")
    }

    @Test func upgradingClearsTheNextFireOfPausedAndDisabledRecurringJobs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("upgrade-v8.db")
        // A database at v7 where pausing kept the planned fire, as the previous release left it.
        let interval = Schedule.interval(try IntervalSchedule(seconds: 60))
        let oneShot = Schedule.date(DateSchedule(runAt: Date(timeIntervalSince1970: 90)))
        let rows: [(key: String, schedule: Schedule, enabled: Bool, paused: Bool)] = [
            ("active", interval, true, false), ("paused", interval, true, true), ("disabled", interval, false, false),
            ("paused-once", oneShot, true, true),
        ]
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteJobStore.migrator.migrate(queue, upTo: "v7-executions-queued-unbounded")
            try queue.inDatabase { db in
                for row in rows {
                    try db.execute(
                        sql: """
                            INSERT INTO jobs (id, key, name, description, task, args, schedule, priority, max_instances, misfire_grace_time,
                              coalesce, retry, timeout, enabled, paused, next_run_at, created_at, updated_at, version)
                            VALUES (?, ?, '', '', 'system.noop', '{}', ?, 0, 1, 30, 1, ?, NULL, ?, ?, 90000000, 0, 0, 1)
                            """,
                        arguments: [UUID(), row.key, try String(decoding: JSONEncoder().encode(row.schedule), as: UTF8.self),
                                    try String(decoding: JSONEncoder().encode(try RetryPolicy()), as: UTF8.self), row.enabled, row.paused])
                }
            }
        }
        let store = try SQLiteJobStore(path: path)
        #expect(store.migrationsApplied.first == "v8-jobs-not-runnable-no-next-fire")
        let next = Date(timeIntervalSince1970: 90)
        #expect(try await store.job(key: "active")?.nextRunAt == next)
        #expect(try await store.job(key: "paused")?.nextRunAt == nil)
        #expect(try await store.job(key: "disabled")?.nextRunAt == nil)
        #expect(try await store.job(key: "paused-once")?.nextRunAt == next, "a one-shot keeps its time: it has not fired")
        #expect(try await store.jobCounts() == [.active: 1, .paused: 2, .disabled: 1, .finished: 0], "the counts do not move")
    }
}

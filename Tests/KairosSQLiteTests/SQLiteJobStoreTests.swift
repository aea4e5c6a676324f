import Foundation
import GRDB
import KairosCore
@testable import KairosSQLite
import KairosStore
import Testing

@Suite("SQLite store: files, migrations, WAL")
struct SQLiteJobStoreTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func spec(_ key: String) throws -> JobSpec {
        try JobSpec(key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 5)))
    }

    func expectUnavailable(at path: String, mentioning detail: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SQLiteJobStore(path: path)
            Issue.record("opening \(path) should fail", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error.code == .unavailable, sourceLocation: sourceLocation)
            #expect(error.message.contains(path), "the message names the path: \(error.message)", sourceLocation: sourceLocation)
            if let detail {
                #expect(error.message.contains(detail), "the message says why: \(error.message)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected StoreError(.unavailable), got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func reopeningKeepsJobsAndDoesNotRerunMigrations() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("kairos.db")
        let created: Job
        do {
            let store = try SQLiteJobStore(path: path)
            created = try await store.createJob(try spec("persistent"), now: Self.now)
            _ = try await store.trigger(jobId: created.id, now: Self.now)
        }
        let reopened = try SQLiteJobStore(path: path)
        #expect(try await reopened.job(id: created.id) == created)
        #expect(try await reopened.history(HistoryQuery()).items.count == 1)
        #expect(try await reopened.appliedMigrations() == SQLiteJobStore.migrator.migrations)
        let rows = try await reopened.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        #expect(rows == SQLiteJobStore.migrator.migrations.count, "each migration recorded once")
    }

    @Test(arguments: ["key", "name", "-nextRunAt", "lastRunAt"])
    func aWalkForRareMatchesReadsABoundedSlicePerPageAndItsCursorsFindThemAll(_ sort: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("rare.db"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let specs = try (0..<2_500).map { index in
            var spec = try JobSpec(key: String(format: "job-%04d", index), task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 1 + index % 7)))
            spec.name = index == 2_100 || index == 2_400 ? "rare zq \(index)" : "common \(index)"
            return spec
        }
        _ = try await store.createJobs(specs, now: now)
        // Two characters: no trigram to look up, so the page walks the order.
        var query = JobQuery(search: "zq", sort: try #require(JobQuery.Sort(sort)), limit: 10)
        var found: [String] = []
        var pages = 0
        repeat {
            let page = try await store.listJobs(query)
            pages += 1
            found += page.items.map(\.key)
            query.cursor = page.nextCursor
        } while query.cursor != nil && pages < 100
        #expect(Set(found) == ["job-2100", "job-2400"], "every match, through the cursors")
        #expect(pages >= 3, "2,500 jobs, a slice of at most 1,000 per page: \(pages) pages")
        let first = try await store.listJobs(JobQuery(search: "zq", sort: try #require(JobQuery.Sort(sort)), limit: 10))
        #expect(first.items.count < 2 && first.nextCursor != nil, "a short page that says where to go on")
    }

    @Test func garbageFileIsUnavailable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("garbage.db")
        let bytes = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        expectUnavailable(at: path, mentioning: "not a SQLite database")
    }

    @Test func truncatedDatabaseIsUnavailable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("corrupt.db")
        do {
            let store = try SQLiteJobStore(path: path)
            for index in 0..<50 { _ = try await store.createJob(try spec("job-\(index)"), now: Self.now) }
            _ = try await store.pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
        // Keep the header, overwrite the pages after it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16_384))
        try handle.close()
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        expectUnavailable(at: path)
    }

    @Test func readOnlyFileIsUnavailable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("readonly.db")
        do { _ = try SQLiteJobStore(path: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        guard !FileManager.default.isWritableFile(atPath: path) else { return }  // running as root: permissions are not enforced
        expectUnavailable(at: path, mentioning: "read-only")
    }

    @Test func readOnlyDirectoryIsUnavailable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.url.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.url.path) }
        guard !FileManager.default.isWritableFile(atPath: directory.url.path) else { return }
        expectUnavailable(at: directory.path("new.db"), mentioning: "read-only")
    }

    @Test func missingDirectoryIsUnavailable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("no/such/dir/kairos.db")
        expectUnavailable(at: path, mentioning: "does not exist")
    }

    @Test func newerSchemaIsUnavailable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("newer.db")
        do {
            let store = try SQLiteJobStore(path: path)
            try await store.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
            }
        }
        expectUnavailable(at: path, mentioning: "v999-from-the-future")
    }

    /// Point reads step statements themselves (``StatementRow``): they must see every commit
    /// and leave no read transaction open, or the WAL could never be checkpointed.
    @Test func pointReadsSeeCommitsAndLeaveNoReadTransactionOpen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("reads.db"))
        let job = try await store.createJob(try spec("point"), now: Self.now)
        let execution = try await store.trigger(jobId: job.id, now: Self.now)
        for _ in 0..<3 {
            #expect(try await store.job(id: job.id) == job)
            #expect(try await store.job(key: "point") == job)
            #expect(try await store.execution(id: execution.id) == execution)
        }
        #expect(try await store.job(id: UUID()) == nil)
        #expect(try await store.job(key: "missing") == nil)
        let paused = try await store.setPaused(id: job.id, true, expectedVersion: nil, now: Self.now)
        #expect(try await store.job(id: job.id) == paused, "a read after a commit sees it")
        #expect(try await store.job(key: "point")?.spec.paused == true)
        let (busy, log, checkpointed) = try await store.pool.writeWithoutTransaction { db in
            let row = try #require(try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)"))
            return (row[0] as Int, row[1] as Int, row[2] as Int)
        }
        #expect(busy == 0, "no reader holds the WAL open")
        #expect(log == 0 && checkpointed == 0, "the WAL was truncated")
    }

    @Test func walModeIsOn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("wal.db"))
        let mode = try await store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode?.lowercased() == "wal")
    }

    @Test func migrationList() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("migrations.db"))
        let applied = try await store.appliedMigrations()
        #expect(applied == [
            "v1-jobs-executions-instances", "v2-executions-queue-order", "v3-executions-fire-by-time", "v4-api-keys", "v5-executions-miss-after",
            "v6-jobs-list-indexes-counts-search", "v7-executions-queued-unbounded", "v8-jobs-not-runnable-no-next-fire",
            "v9-executions-attempts", "v10-jobs-deleted-by-key", "v11-web-sessions",
        ])
        for identifier in applied {
            #expect(identifier.wholeMatch(of: /v[0-9]+-[a-z0-9-]+/) != nil, "identifier \(identifier) follows v<N>-<what>")
        }
        let hasIndex = try await store.pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'executions_fire_by_time'") ?? false
        }
        #expect(hasIndex, "the exactly-once unique index exists")
    }

    @Test func exactlyOnceIndexSkipsDuplicateFires() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("once.db"))
        let job = try await store.createJob(try spec("once"), now: Self.now)
        let first = try await store.claimDueFires(now: Self.now + 300, horizon: Self.now + 300, limit: 10)
        #expect(first.queued.count == 1)
        // Put the job back to the same fire, as a second scheduler working from a stale read would.
        try await store.pool.write { db in
            try db.execute(sql: "UPDATE jobs SET next_run_at = ? WHERE id = ?", arguments: [Micros.from(Self.now + 300), job.id])
        }
        let second = try await store.claimDueFires(now: Self.now + 300, horizon: Self.now + 300, limit: 10)
        #expect(second.jobsClaimed == 1)
        #expect(second.queued.isEmpty, "the duplicate fire is skipped, not an error")
        #expect(try await store.history(HistoryQuery()).items.count == 1)
        #expect(try await store.job(id: job.id)?.nextRunAt == Self.now + 600)
    }
}

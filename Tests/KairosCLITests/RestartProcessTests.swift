import Foundation
import KairosCore
@testable import KairosSQLite
import KairosStore
import KairosTestSupport
import Testing

/// Restarts and starts of `kairos serve` on one SQLite file: a killed instance's claims that
/// never started are released (not failed) and every job resumes at once; two processes
/// starting together never trip over migrations; a second serving process is refused.
@Suite("kairos serve restarts (process)", .serialized)
struct RestartProcessTests {
    @Test("kill -9 with fires claimed ahead, then restart: nothing fails as 'worker lost' without having started, every job resumes within seconds")
    func restartResumesAtOnce() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        let count = 60
        let jobs = try dir.write(
            "jobs.yaml",
            "jobs:\n" + (1...count).map { "  - {key: tick-\($0), task: system.noop, schedule: {type: interval, seconds: 1}}\n" }.joined())
        // The default lease (30 s): the restart must not wait for it.
        let first = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", jobs, "--log-level", "warning"], in: dir.url)
        #expect(try await first.waitUntilServing())
        let store = try SQLiteJobStore(path: db)
        #expect(try await eventually(within: 15) { try await store.executionCounts()[.succeeded, default: 0] >= 2 * count })
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(within: 5) != nil)

        let second = try ServeProcess(["--store", "sqlite:\(db)", "--log-level", "warning"], in: dir.url)
        #expect(try await second.waitUntilServing())
        let serving = Date()
        // Every job runs a fire scheduled after the restart within a few seconds.
        let resumed = try await eventually(within: 10) {
            var keys = Set<String>()
            var cursor: String?
            for _ in 0..<100 {
                let page = try await store.history(HistoryQuery(statuses: [.succeeded], limit: 500, cursor: cursor))
                for execution in page.items where execution.scheduledAt >= serving { keys.insert(execution.jobKey) }
                guard let next = page.nextCursor, let last = page.items.last, last.scheduledAt >= serving else { break }
                cursor = next
            }
            return keys.count == count
        }
        #expect(resumed, "every job ran again after the restart")
        let resumedAfter = Date().timeIntervalSince(serving)
        #expect(resumedAfter < 4, "resumed \(resumedAfter) s after the restart, not after a lease period")
        let lost = try await store.history(HistoryQuery(statuses: [.failed], limit: 500)).items
        #expect(lost.allSatisfy { $0.startedAt != nil }, "no claim that never started is failed: \(lost.prefix(3))")
        #expect(!(try await store.listInstances()).contains { $0.stoppedAt == nil && !second.stdout.contains($0.id) },
                "the killed instance is recorded stopped")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(within: 10) == 0)
    }

    @Test("a restart with --jobs leaves paused alone unless the file sets it, and logs what it created, updated (with the fields) and left unchanged")
    func jobsFileKeepsPaused() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("kairos.db")
        func file(_ cSeconds: Int) throws -> String {
            try dir.write(
                "jobs.yaml",
                """
                jobs:
                  - {key: silent, task: system.noop, schedule: {type: interval, minutes: 5}}
                  - {key: explicit, task: system.noop, schedule: {type: interval, minutes: 5}, paused: false}
                  - {key: edited, task: system.noop, schedule: {type: interval, seconds: \(cSeconds)}}
                """)
        }
        func serveOnce(_ jobs: String) async throws -> String {
            let server = try ServeProcess(["--store", "sqlite:\(db)", "--jobs", jobs], in: dir.url)
            #expect(try await server.waitUntilServing(), "\(server.stderr)")
            server.signal(SIGTERM)
            #expect(try await server.waitForExit(within: 10) == 0)
            return server.stderr
        }
        let first = try await serveOnce(try file(60))
        #expect(first.contains(#""message":"jobs file loaded""#) && first.contains(#""created":"3""#), "\(first)")

        // An incident: both jobs are paused through the API (here, the store) while it is down.
        let store = try SQLiteJobStore(path: db)
        for key in ["silent", "explicit"] {
            _ = try await store.setPaused(id: try #require(try await store.job(key: key)).id, true, expectedVersion: nil, now: Date())
        }
        let second = try await serveOnce(try file(90))
        #expect(try await store.job(key: "silent")?.spec.paused == true, "the file does not say paused: the job stays paused")
        #expect(try await store.job(key: "explicit")?.spec.paused == false, "the file says paused: false, so the file decides")
        let lines = second.split(separator: "\n")
        let updated = lines.filter { $0.contains(#""message":"job updated from the jobs file""#) }
        #expect(updated.contains { $0.contains(#""jobKey":"explicit""#) && $0.contains(#""fields":"paused""#) }, "\(updated)")
        #expect(updated.contains { $0.contains(#""jobKey":"edited""#) && $0.contains(#""fields":"schedule""#) }, "\(updated)")
        #expect(!updated.contains { $0.contains(#""jobKey":"silent""#) })
        let summary = try #require(lines.first { $0.contains(#""message":"jobs file loaded""#) })
        #expect(summary.contains(#""created":"0""#) && summary.contains(#""updated":"2""#) && summary.contains(#""unchanged":"1""#), "\(summary)")
    }

    @Test("two kairos serve on one fresh file at the same moment: one serves, the other exits 1 naming the file, never a migration error")
    func twoServersAtOnce() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("fresh.db")
        let a = try ServeProcess(["--store", "sqlite:\(db)", "--log-level", "warning"], in: dir.url)
        let b = try ServeProcess(["--store", "sqlite:\(db)", "--log-level", "warning"], in: dir.url)
        let servingA = try await a.waitUntilServing()
        let servingB = try await b.waitUntilServing()
        #expect(servingA != servingB, "exactly one serves")
        let refused = servingA ? b : a
        #expect(try await refused.waitForExit(within: 10) == 1)
        #expect(refused.stderr.contains("already served by another kairos process"), "\(refused.stderr)")
        #expect(refused.stderr.contains(db))
        #expect(!refused.stderr.contains("already exists"), "not a migration race: \(refused.stderr)")
        let winner = servingA ? a : b
        winner.signal(SIGTERM)
        #expect(try await winner.waitForExit(within: 10) == 0)
    }

    @Test("kairos migrate beside a starting server, at the same moment: both succeed; migrate lists the schema")
    func migrateBesideServe() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("both.db")
        let server = try ServeProcess(["--store", "sqlite:\(db)", "--log-level", "warning"], in: dir.url)
        let migrate = try await KairosProcess.run(["migrate", "--create", "--store", "sqlite:\(db)"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("migrations applied, latest v11-web-sessions"), "\(migrate.stdout)")
        #expect(try await server.waitUntilServing())
        let again = try await KairosProcess.run(["migrate", "--store", "sqlite:\(db)"])
        #expect(again.stdout.contains("(up to date)"), "\(again.stdout)")
        #expect(!again.stdout.contains("applied v"), "nothing applied twice")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(within: 10) == 0)
    }

    @Test("kairos migrate refuses a schema newer than it knows, a bad --store names the accepted forms, an unreachable PostgreSQL is named without its password")
    func migrateRefusals() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("newer.db")
        let store = try SQLiteJobStore(path: db)
        try await store.pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        let newer = try await KairosProcess.run(["migrate", "--store", "sqlite:\(db)"])
        #expect(newer.status == 1)
        #expect(newer.stderr.contains("newer than this version of Kairos knows"), "\(newer.stderr)")
        #expect(newer.stderr.contains("v99-from-the-future"))
        let bad = try await KairosProcess.run(["migrate", "--store", "mysql://x"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--store must be sqlite:PATH"), "\(bad.stderr)")
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let postgres = try await KairosProcess.run(["migrate", "--store", "postgres://u:secret@127.0.0.1:1/db"])
        #expect(postgres.status == 1)
        #expect(postgres.stderr.contains("cannot connect to the PostgreSQL database postgres://u@127.0.0.1:1/db"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret"), "the password is never printed")
        let malformed = try await KairosProcess.run(["migrate", "--store", "postgres://u:secret@127.0.0.1:1/db?sslmode=sometimes"])
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("sslmode 'sometimes'"), "\(malformed.stderr)")
        #expect(!malformed.stderr.contains("secret"), "the password is never printed")
    }
}

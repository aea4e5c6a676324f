import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import Testing

/// A job's scheduler state in `job_runs` (migration `v5-job-runs`), apart from its spec in `jobs`.
@Suite("PostgreSQL job runs")
struct PostgresJobRunsTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private static func every(_ key: String, seconds: Int, paused: Bool = false, enabled: Bool = true) throws -> JobSpec {
        try JobSpec(
            key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: seconds, startDate: t0)), enabled: enabled,
            paused: paused)
    }

    /// Every job as the store reads it, the counts, and the keys in every list order: what an
    /// upgrade must keep.
    private struct Snapshot: Equatable {
        var jobs: [UUID: Job]
        var counts: [JobQuery.State: Int]
        var orders: [String: [String]]

        init(_ store: any JobStore, ids: [UUID]) async throws {
            jobs = [:]
            for id in ids { jobs[id] = try await store.job(id: id) }
            counts = try await store.jobCounts()
            orders = [:]
            for sort in JobQuery.Sort.allCases {
                orders[sort.description] = try await store.listJobs(JobQuery(sort: sort, limit: 50)).items.map(\.key)
            }
        }
    }

    @Test("v5-job-runs keeps every job's next fire, last run and state, the counts and the list orders, and the scheduler carries on")
    func migrationKeepsState() async throws {
        try await withFreshDatabase { configuration in
            var ids: [UUID] = []
            var before: Snapshot?
            try await withHandles(configuration) { handles in
                let store = try await handles.open()
                let ran = try await store.createJob(try Self.every("ran", seconds: 10), now: Self.t0)
                let later = try await store.createJob(try Self.every("later", seconds: 60), now: Self.at(1))
                let paused = try await store.createJob(try Self.every("paused", seconds: 10, paused: true), now: Self.t0)
                let disabled = try await store.createJob(try Self.every("disabled", seconds: 10, enabled: false), now: Self.t0)
                let once = try await store.createJob(
                    try JobSpec(key: "once", task: "system.noop", schedule: .date(DateSchedule(runAt: Self.at(2)))), now: Self.t0)
                let gone = try await store.createJob(try Self.every("gone", seconds: 10), now: Self.t0)
                _ = try await store.deleteJob(id: gone.id, expectedVersion: nil, now: Self.t0)
                let fired = try await store.claimDueFires(now: Self.at(12), horizon: Self.at(12), limit: 10, localClaim: nil)
                #expect(Set(fired.queued.map(\.jobKey)) == ["ran", "once"], "the first fires of 'ran' (10 s) and 'once' (2 s)")
                let claimed = try await store.claimExecutions(instanceId: "w", now: Self.at(12), horizon: Self.at(12), limit: 10, leaseUntil: Self.at(42))
                let ranRun = try #require(claimed.first { $0.job.key == "ran" })
                _ = try await store.complete(
                    [
                        Completion(
                            executionId: ranRun.execution.id, instanceId: "w", attempt: 1, startedAt: Self.at(12), finishedAt: Self.at(13),
                            outcome: .failed(ExecutionError(reason: "error", message: "boom"), result: nil, retryAt: nil))
                    ], now: Self.at(13))
                ids = [ran.id, later.id, paused.id, disabled.id, once.id, gone.id]
                before = try await Snapshot(store, ids: ids)
                let runs = try #require(before?.jobs[ran.id] ?? nil)
                #expect(runs.lastStatus == .failed && runs.lastRunAt != nil && runs.nextRunAt == Self.at(20))
                #expect(before?.counts == [.active: 2, .paused: 1, .disabled: 1, .finished: 1])
            }
            // The database as v4 left it: the scheduler's state in `jobs`, counted by triggers there.
            for statement in [
                "ALTER TABLE jobs ADD COLUMN next_run_at bigint, ADD COLUMN last_run_at bigint, ADD COLUMN last_status text",
                "UPDATE jobs j SET next_run_at = r.next_run_at, last_run_at = r.last_run_at, last_status = r.last_status FROM job_runs r WHERE r.job_id = j.id",
                "DROP TABLE job_runs",
                "CREATE INDEX jobs_due ON jobs (next_run_at, key) WHERE enabled AND NOT paused AND NOT deleted AND next_run_at IS NOT NULL",
                "CREATE INDEX jobs_by_next_run ON jobs ((COALESCE(next_run_at, 9223372036854775807)), key) WHERE NOT deleted",
                "CREATE INDEX jobs_by_last_run ON jobs ((COALESCE(last_run_at, -9223372036854775808)), key) WHERE NOT deleted",
                """
                CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS inserted_jobs
                FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                """,
                "CREATE TRIGGER jobs_count_update AFTER UPDATE OF enabled, paused, deleted ON jobs FOR EACH ROW EXECUTE FUNCTION kairos_jobs_count()",
                """
                CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS deleted_jobs
                FOR EACH STATEMENT EXECUTE FUNCTION kairos_jobs_count_statement()
                """,
                "CREATE INDEX executions_running_by_job ON executions (job_id) WHERE status = 'running'",
                "DELETE FROM kairos_migrations WHERE id = 'v5-job-runs'",
            ] {
                try await adminQuery(configuration, statement)
            }
            let scheduled = before?.jobs.values.filter { $0.nextRunAt != nil }.count
            #expect(try await adminInteger(configuration, "SELECT count(*) FROM jobs WHERE next_run_at IS NOT NULL") == scheduled)
            try await withHandles(configuration) { handles in
                let store = try await handles.open()
                #expect(try await store.appliedMigrations().contains("v5-job-runs"), "applied again")
                let after = try await Snapshot(store, ids: ids)
                #expect(after == before, "every job, count and list order as before the upgrade")
                #expect(try await adminInteger(configuration, "SELECT count(*) FROM job_runs") == 6, "one row per job, the deleted one included")
                let fired = try await store.claimDueFires(now: Self.at(22), horizon: Self.at(22), limit: 10, localClaim: nil)
                #expect(fired.queued.map(\.jobKey) == ["ran"], "'ran' fires at 20 s; 'later' (60 s), paused, disabled and finished ones do not")
                let ran = try #require(try await store.job(key: "ran"))
                #expect(ran.nextRunAt == Self.at(30) && ran.lastStatus == .failed)
                _ = try await store.setPaused(id: ran.id, true, expectedVersion: nil, now: Self.at(23))
                #expect(try await store.jobCounts() == [.active: 1, .paused: 2, .disabled: 1, .finished: 1], "the counts follow changes after the upgrade")
            }
        }
    }

    @Test("the copies in job_runs follow every change: a list in next-run order finds a job by its new key, name and switches")
    func copiesFollowChanges() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let store = try await handles.open()
            let job = try await store.createJob(try Self.every("alpha", seconds: 10), now: Self.t0)
            _ = try await store.createJob(try Self.every("beta", seconds: 10), now: Self.t0)
            var renamed = try Self.every("gamma", seconds: 10)
            renamed.name = "Nightly Report"
            let replaced = try await store.replaceJob(id: job.id, with: renamed, expectedVersion: nil, now: Self.at(1))
            _ = try await store.setPaused(id: job.id, true, expectedVersion: replaced.version, now: Self.at(2))
            let byRun = JobQuery.Sort(field: .nextRunAt)
            func keys(_ query: JobQuery) async throws -> [String] { try await store.listJobs(query).items.map(\.key) }
            #expect(try await keys(JobQuery(search: "nightly", sort: byRun)) == ["gamma"])
            #expect(try await keys(JobQuery(search: "alpha", sort: byRun)).isEmpty, "the old key is gone")
            #expect(try await keys(JobQuery(keyPrefix: "gam", sort: byRun)) == ["gamma"])
            #expect(try await keys(JobQuery(state: .paused, sort: byRun)) == ["gamma"])
            #expect(try await keys(JobQuery(paused: false, sort: byRun)) == ["beta"])
            _ = try await store.deleteJob(id: job.id, expectedVersion: nil, now: Self.at(3))
            #expect(try await keys(JobQuery(sort: byRun)) == ["beta"], "a deleted job leaves the list")
            #expect(try await keys(JobQuery(sort: JobQuery.Sort(field: .lastRunAt, descending: true))) == ["beta"])
        } }
    }

    @Test("a job paused and resumed while a scheduling pass runs on another handle, twenty times: each waits for the other, no fire twice")
    func changeWaitsForPass() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let scheduler = try await handles.open()
            let api = try await handles.open()
            let job = try await api.createJob(try Self.every("tick", seconds: 1), now: Self.t0)
            for second in 1...20 {
                let now = Self.at(Double(second))
                async let pass = scheduler.claimDueFires(now: now, horizon: now, limit: 10, localClaim: nil)
                async let change = api.setPaused(id: job.id, second % 2 == 1, expectedVersion: nil, now: now)
                let (batch, changed) = try await (pass, change)
                #expect(batch.queued.count <= 1)
                let stored = try #require(try await api.job(id: job.id))
                #expect(stored.spec.paused == changed.spec.paused && stored.version == changed.version)
                if !stored.spec.paused { #expect(stored.nextRunAt.map { $0 > now } ?? false, "second \(second): the next run is past now") }
            }
            let history = try await api.history(HistoryQuery(jobId: job.id, limit: 100)).items
            #expect(Set(history.map(\.scheduledAt)).count == history.count, "no fire recorded twice")
            let counts = try await api.jobCounts()
            #expect(counts[.paused] == 0 && counts[.active] == 1)
        } }
    }
}

import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let jobCases: [StoreConformanceCase] = [
        StoreConformanceCase("create, read by id and key") { store in
            let spec = try intervalSpec("report.daily", seconds: 60, priority: 3)
            let job = try await store.createJob(spec, now: t0)
            #expect(job.key == "report.daily")
            #expect(job.version == 1)
            #expect(job.deleted == false)
            #expect(job.system == false)
            #expect(job.createdAt == t0)
            #expect(job.updatedAt == t0)
            #expect(job.nextRunAt == at(60), "an interval is anchored at creation: first fire one period later")
            guard case .interval(let interval) = job.spec.schedule else { Issue.record("schedule changed type"); return }
            #expect(interval.startDate == t0, "the stored interval is anchored at creation")
            let byId = try #require(try await store.job(id: job.id))
            #expect(byId == job)
            let byKey = try #require(try await store.job(key: "report.daily"))
            #expect(byKey == job)
            #expect(try await store.job(id: UUID()) == nil)
            #expect(try await store.job(key: "missing") == nil)
            #expect(try await store.earliestNextRun() == at(60))
            let counts = try await store.jobCounts()
            #expect(counts[.active] == 1)
            #expect((counts[.paused] ?? 0) == 0)
        },

        StoreConformanceCase("upcoming jobs: scheduled ones only, soonest first, ties by key") { store in
            let later = try await store.createJob(try intervalSpec("later", seconds: 120), now: t0)
            _ = try await store.createJob(try intervalSpec("soon-b", seconds: 30), now: t0)
            _ = try await store.createJob(try intervalSpec("soon-a", seconds: 30), now: t0)
            let paused = try await store.createJob(try intervalSpec("paused", seconds: 10), now: t0)
            _ = try await store.setPaused(id: paused.id, true, expectedVersion: nil, now: t0)
            let disabled = try await store.createJob(try intervalSpec("disabled", seconds: 10), now: t0)
            _ = try await store.setEnabled(id: disabled.id, false, expectedVersion: nil, now: t0)
            let deleted = try await store.createJob(try intervalSpec("deleted", seconds: 10), now: t0)
            _ = try await store.deleteJob(id: deleted.id, expectedVersion: nil, now: t0)
            #expect(try await store.upcomingJobs(limit: 10).map(\.key) == ["soon-a", "soon-b", "later"])
            #expect(try await store.upcomingJobs(limit: 2).map(\.key) == ["soon-a", "soon-b"])
            #expect(try await store.upcomingJobs(limit: 10).last?.nextRunAt == later.nextRunAt)
        },

        StoreConformanceCase("spec fields round-trip") { store in
            let spec = try JobSpec(
                key: "full", name: "Full job", description: "every field set", task: "http.request",
                args: ["url": "https://example.com", "n": 3, "flag": true, "list": [1, "two"]],
                schedule: .cron(try CronSchedule(expression: "*/5 * * * *", timeZone: "Europe/London", jitter: 7)),
                priority: -5, maxInstances: 4, misfireGraceTime: 120, coalesce: false,
                retry: try RetryPolicy(maxRetries: 3, backoff: .init(initial: 2, max: 30, multiplier: 3), jitter: false),
                timeout: 12.5, enabled: true, paused: false)
            let job = try await store.createJob(spec, now: t0)
            #expect(job.spec == spec)
            let read = try #require(try await store.job(id: job.id))
            #expect(read.spec == spec)
            #expect(read.nextRunAt == at(300))
        },

        StoreConformanceCase("a taken key is refused, a deleted job's key can be reused") { store in
            let first = try await store.createJob(try intervalSpec("dup"), now: t0)
            let error = await expectStoreError(.keyConflict, "second job with key dup") {
                try await store.createJob(try intervalSpec("dup", seconds: 30), now: t0)
            }
            #expect(error?.jobKey == "dup")
            _ = try await store.deleteJob(id: first.id, expectedVersion: nil, now: at(1))
            let second = try await store.createJob(try intervalSpec("dup", seconds: 30), now: at(2))
            #expect(second.id != first.id)
            #expect(try await store.job(key: "dup")?.id == second.id)
        },

        StoreConformanceCase("list jobs: filters and pagination across pages") { store in
            for index in 0..<7 { _ = try await store.createJob(try intervalSpec("app.\(index)"), now: t0) }
            _ = try await store.createJob(try intervalSpec("batch.paused", paused: true), now: t0)
            _ = try await store.createJob(try intervalSpec("batch.disabled", task: "shell.command", enabled: false), now: t0)
            _ = try await store.createJob(try oneShotSpec("batch.once", at: at(-10)), now: t0)
            _ = try await store.upsertJob(try intervalSpec("system.cleanup-history", task: "system.cleanup-history"), system: true, now: t0)
            let deleted = try await store.createJob(try intervalSpec("app.deleted"), now: t0)
            _ = try await store.deleteJob(id: deleted.id, expectedVersion: nil, now: t0)

            let all = try await allJobs(store, JobQuery(limit: 3))
            let keys = all.map(\.key)
            #expect(keys == keys.sorted(), "ordered by key")
            #expect(Set(keys).count == keys.count, "no job on two pages")
            #expect(keys.count == 11)
            #expect(!keys.contains("app.deleted"))

            let firstPage = try await store.listJobs(JobQuery(limit: 3))
            #expect(firstPage.items.map(\.key) == ["app.0", "app.1", "app.2"])
            #expect(firstPage.nextCursor != nil)
            let exact = try await store.listJobs(JobQuery(keyPrefix: "app.", limit: 7))
            #expect(exact.items.count == 7)
            #expect(exact.nextCursor == nil, "no cursor when the last page is full and nothing follows")

            #expect(try await allJobs(store, JobQuery(keyPrefix: "app.", limit: 2)).map(\.key) == (0..<7).map { "app.\($0)" })
            #expect(try await allJobs(store, JobQuery(state: .paused)).map(\.key) == ["batch.paused"])
            #expect(try await allJobs(store, JobQuery(state: .disabled)).map(\.key) == ["batch.disabled"])
            #expect(try await allJobs(store, JobQuery(task: "shell.command")).map(\.key) == ["batch.disabled"])
            #expect(try await allJobs(store, JobQuery(state: .active)).count == 9, "7 app jobs, the one-shot not yet fired, the system job")
            let system = try await allJobs(store, JobQuery(includeSystem: true)).filter(\.system).map(\.key)
            #expect(system == ["system.cleanup-history"])
            #expect(!(try await allJobs(store, JobQuery(includeSystem: false)).contains { $0.system }))

            let clampedLow = try await store.listJobs(JobQuery(limit: 0))
            #expect(clampedLow.items.count == 1, "limit below 1 is clamped to 1")
            let clampedHigh = try await store.listJobs(JobQuery(limit: 10_000))
            #expect(clampedHigh.items.count == 11)

            await expectStoreError(.invalidCursor, "malformed job cursor") {
                try await store.listJobs(JobQuery(cursor: "%%% not a cursor %%%"))
            }

            let counts = try await store.jobCounts()
            #expect(counts[.active] == 9)
            #expect(counts[.paused] == 1)
            #expect(counts[.disabled] == 1)
            #expect((counts[.finished] ?? 0) == 0)
        },

        StoreConformanceCase("lastJob(key:): the live job with the key, else the one deleted last, else none") { store in
            #expect(try await store.lastJob(key: "reused") == nil)
            let first = try await store.createJob(try intervalSpec("reused"), now: t0)
            #expect(try await store.lastJob(key: "reused")?.id == first.id)
            _ = try await store.deleteJob(id: first.id, expectedVersion: nil, now: at(1))
            #expect(try await store.lastJob(key: "reused")?.id == first.id, "deleted, its history is still named by its key")
            #expect(try await store.lastJob(key: "reused")?.deleted == true)
            let second = try await store.createJob(try intervalSpec("reused"), now: at(2))
            #expect(try await store.lastJob(key: "reused")?.id == second.id, "a live job wins")
            _ = try await store.deleteJob(id: second.id, expectedVersion: nil, now: at(3))
            #expect(try await store.lastJob(key: "reused")?.id == second.id, "of the deleted ones, the last deleted")
            #expect(try await store.job(key: "reused") == nil)
        },

        StoreConformanceCase("list jobs: search by key or name, enabled and paused filters, every order across pages") { store in
            var alpha = try intervalSpec("alpha", priority: 5)
            alpha.name = "Nightly Report"
            var bravo = try intervalSpec("bravo", seconds: 600, priority: 1, paused: true)
            bravo.name = "cleanup"
            var charlie = try intervalSpec("charlie", seconds: 30, priority: 9, enabled: false)
            charlie.name = "REPORT archive"
            let specs = [alpha, bravo, charlie, try oneShotSpec("delta", at: at(-10), priority: 3), try intervalSpec("echo", seconds: 90, priority: 5)]
            for (index, spec) in specs.enumerated() { _ = try await store.createJob(spec, now: at(Double(index))) }
            // Two jobs ran (at different times); the others never did.
            for (key, time) in [("echo", 20.0), ("alpha", 30.0)] {
                let job = try #require(try await store.job(key: key))
                _ = try await store.trigger(jobId: job.id, now: at(time))
                let claimed = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(time), horizon: at(time), limit: 1, leaseUntil: at(time + 30)).first)
                _ = try await store.complete([completion(claimed, startedAt: at(time), finishedAt: at(time + 1), .succeeded(result: nil))], now: at(time + 1))
            }
            // The one-shot fires, and has no next fire any more.
            _ = try await store.claimDueFires(now: at(40), horizon: at(40), limit: 10)

            #expect(try await allJobs(store, JobQuery(search: "report")).map(\.key) == ["alpha", "charlie"], "names, either case")
            #expect(try await allJobs(store, JobQuery(search: "ECH")).map(\.key) == ["echo"], "keys, either case")
            #expect(try await allJobs(store, JobQuery(search: "%")).isEmpty, "no wildcards")
            #expect(try await allJobs(store, JobQuery(enabled: false)).map(\.key) == ["charlie"])
            #expect(try await allJobs(store, JobQuery(paused: true)).map(\.key) == ["bravo"])
            #expect(try await allJobs(store, JobQuery(enabled: true, paused: false)).map(\.key) == ["alpha", "delta", "echo"])

            let jobs = try await allJobs(store, JobQuery())
            #expect(jobs.count == 5)
            #expect(jobs.filter { $0.lastRunAt != nil }.count == 2)
            #expect(jobs.filter { $0.nextRunAt == nil }.map(\.key) == ["bravo", "charlie", "delta"], "paused, disabled, and the one-shot that fired")
            for sort in JobQuery.Sort.allCases {
                let listed = try await allJobs(store, JobQuery(sort: sort, limit: 2)).map(\.key)
                #expect(listed == expectedOrder(jobs, sort), "sorted by \(sort)")
            }

            let byPriority = try await store.listJobs(JobQuery(sort: JobQuery.Sort(field: .priority), limit: 2))
            let cursor = try #require(byPriority.nextCursor)
            await expectStoreError(.invalidCursor, "a cursor of another order") {
                try await store.listJobs(JobQuery(sort: .key, limit: 2, cursor: cursor))
            }
        },

        StoreConformanceCase("stopping a job removes its fires claimed ahead of their time, nothing else") { store in
            // Fires at t0+10, claimed at t0+9 with a 2 s look-ahead: queued for the pool or claimed by an instance.
            var jobs: [String: Job] = [:]
            for key in ["paused", "disabled", "deleted", "renamed", "due"] {
                jobs[key] = try await store.createJob(try intervalSpec(key, seconds: 10), now: t0)
            }
            let queued = try await store.claimDueFires(now: at(9), horizon: at(11), limit: 3, localClaim: nil)
            let local = try await store.claimDueFires(
                now: at(9), horizon: at(11), limit: 10, localClaim: LocalClaim(instanceId: "worker-a", leaseUntil: at(40), limit: 10))
            #expect(queued.queued.count + local.claimed.count == 5)
            let manual = try await store.trigger(jobId: try #require(jobs["deleted"]).id, now: at(9.5))

            _ = try await store.setPaused(id: try #require(jobs["paused"]).id, true, expectedVersion: nil, now: at(9.5))
            _ = try await store.setEnabled(id: try #require(jobs["disabled"]).id, false, expectedVersion: nil, now: at(9.5))
            _ = try await store.deleteJob(id: try #require(jobs["deleted"]).id, expectedVersion: nil, now: at(9.5))
            var renamed = try #require(jobs["renamed"]).spec
            renamed.description = "still runnable"
            _ = try await store.replaceJob(id: try #require(jobs["renamed"]).id, with: renamed, expectedVersion: nil, now: at(9.5))
            // Its fire is due (t0+10 is not after t0+10.5): it stays.
            _ = try await store.setPaused(id: try #require(jobs["due"]).id, true, expectedVersion: nil, now: at(10.5))

            func fires(_ key: String) async throws -> [Execution] {
                try await store.history(HistoryQuery(jobId: try #require(jobs[key]).id)).items.filter { $0.trigger == .scheduled }
            }
            #expect(try await fires("paused").isEmpty)
            #expect(try await fires("disabled").isEmpty)
            #expect(try await fires("deleted").isEmpty)
            #expect(try await fires("renamed").count == 1, "a runnable job keeps its claimed fire")
            #expect(try await fires("due").count == 1, "a fire already due is not removed")
            #expect(try await store.execution(id: manual.id)?.status == .cancelled, "manual runs of a deleted job are cancelled, not removed")
        },

        StoreConformanceCase("replace: version check, schedule change recomputes the next fire, key conflict") { store in
            let job = try await store.createJob(try intervalSpec("replace.me", seconds: 60), now: t0)
            _ = try await store.createJob(try intervalSpec("taken"), now: t0)

            var renamed = job.spec
            renamed.name = "Renamed"
            let error = await expectStoreError(.versionMismatch, "replace with a stale version") {
                try await store.replaceJob(id: job.id, with: renamed, expectedVersion: 7, now: at(10))
            }
            #expect(error?.jobId == job.id)

            // Unchanged schedule (the unanchored interval of the user's spec equals the stored one): next fire kept.
            var unanchored = try intervalSpec("replace.me", seconds: 60)
            unanchored.name = "Renamed"
            let v2 = try await store.replaceJob(id: job.id, with: unanchored, expectedVersion: 1, now: at(10))
            #expect(v2.version == 2)
            #expect(v2.spec.name == "Renamed")
            #expect(v2.nextRunAt == at(60), "same schedule: next fire kept")
            #expect(v2.updatedAt == at(10))
            #expect(v2.createdAt == t0)

            // Changed schedule: recomputed from now (anchored at the change).
            let v3 = try await store.replaceJob(id: job.id, with: try intervalSpec("replace.me", seconds: 300), expectedVersion: 2, now: at(10))
            #expect(v3.version == 3)
            #expect(v3.nextRunAt == at(310))
            #expect(try await store.job(id: job.id) == v3)

            await expectStoreError(.keyConflict, "rename to a taken key") {
                try await store.replaceJob(id: job.id, with: try intervalSpec("taken"), expectedVersion: nil, now: at(20))
            }
            let moved = try await store.replaceJob(id: job.id, with: try intervalSpec("replace.moved", seconds: 300), expectedVersion: nil, now: at(20))
            #expect(moved.key == "replace.moved")
            #expect(try await store.job(key: "replace.me") == nil)
            #expect(try await store.job(key: "replace.moved")?.id == job.id)

            await expectStoreError(.notFound, "replace an unknown job") {
                try await store.replaceJob(id: UUID(), with: try intervalSpec("x"), expectedVersion: nil, now: at(20))
            }
        },

        StoreConformanceCase("upsert by key: create, unchanged, changed") { store in
            let (created, wasCreated) = try await store.upsertJob(try intervalSpec("up", seconds: 60), system: false, now: t0)
            #expect(wasCreated)
            #expect(created.nextRunAt == at(60))

            let (same, sameCreated) = try await store.upsertJob(try intervalSpec("up", seconds: 60), system: false, now: at(30))
            #expect(!sameCreated)
            #expect(same == created, "unchanged spec: nothing written, no version bump")

            var named = try intervalSpec("up", seconds: 60)
            named.name = "Up"
            let (changed, changedCreated) = try await store.upsertJob(named, system: false, now: at(30))
            #expect(!changedCreated)
            #expect(changed.id == created.id)
            #expect(changed.version == 2)
            #expect(changed.spec.name == "Up")
            #expect(changed.nextRunAt == at(60), "schedule unchanged: next fire kept")

            var rescheduled = try intervalSpec("up", seconds: 120)
            rescheduled.name = "Up"
            let (moved, _) = try await store.upsertJob(rescheduled, system: false, now: at(30))
            #expect(moved.version == 3)
            #expect(moved.nextRunAt == at(150))

            let (system, systemCreated) = try await store.upsertJob(try intervalSpec("sys", seconds: 60), system: true, now: t0)
            #expect(systemCreated)
            #expect(system.system)
            #expect(try await store.job(key: "sys")?.system == true)
        },

        StoreConformanceCase("soft delete hides the job, keeps its history, cancels its queued executions") { store in
            let job = try await store.createJob(try intervalSpec("gone", seconds: 60), now: t0)
            let manual = try await store.trigger(jobId: job.id, now: at(1))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 10, leaseUntil: at(31))
            #expect(claimed.map(\.execution.id) == [manual.id])
            try await store.complete([completion(claimed[0], startedAt: at(1), finishedAt: at(2), .succeeded(result: "ok"))], now: at(2))
            let queued = try await store.trigger(jobId: job.id, now: at(3))

            await expectStoreError(.versionMismatch, "delete with a stale version") {
                try await store.deleteJob(id: job.id, expectedVersion: 99, now: at(4))
            }
            let deleted = try await store.deleteJob(id: job.id, expectedVersion: job.version, now: at(4))
            #expect(deleted.deleted)
            #expect(deleted.version == job.version + 1)

            #expect(try await store.job(key: "gone") == nil, "a deleted job has no key")
            let byId = try #require(try await store.job(id: job.id), "a deleted job stays readable by id")
            #expect(byId.deleted)
            #expect(try await allJobs(store, JobQuery()).isEmpty)
            #expect(try await store.jobCounts().values.reduce(0, +) == 0)
            #expect(try await store.earliestNextRun() == nil)

            let history = try await allHistory(store, jobId: job.id)
            #expect(history.count == 2, "history kept")
            let cancelled = try #require(try await store.execution(id: queued.id))
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.error?.reason == ExecutionError.cancelled)
            #expect(try await store.execution(id: manual.id)?.status == .succeeded)

            let batch = try await store.claimDueFires(now: at(600), horizon: at(600), limit: 100)
            #expect(batch.jobsClaimed == 0, "a deleted job is never fired")
            #expect(try await store.claimExecutions(instanceId: "worker-a", now: at(600), horizon: at(600), limit: 10, leaseUntil: at(630)).isEmpty)

            await expectStoreError(.notFound, "trigger a deleted job") { try await store.trigger(jobId: job.id, now: at(5)) }
            await expectStoreError(.notFound, "pause a deleted job") {
                try await store.setPaused(id: job.id, true, expectedVersion: nil, now: at(5))
            }
            await expectStoreError(.notFound, "delete twice") { try await store.deleteJob(id: job.id, expectedVersion: nil, now: at(5)) }
        },

        StoreConformanceCase("pause and resume: no fires while paused, no backfill") { store in
            let job = try await store.createJob(try intervalSpec("pausable", seconds: 60), now: t0)
            let paused = try await store.setPaused(id: job.id, true, expectedVersion: 1, now: at(10))
            #expect(paused.spec.paused)
            #expect(paused.version == 2)
            #expect(try await store.earliestNextRun() == nil)
            #expect(try await store.jobCounts()[.paused] == 1)

            let during = try await store.claimDueFires(now: at(600), horizon: at(600), limit: 100)
            #expect(during.jobsClaimed == 0)
            #expect(during.queued.isEmpty && during.missed.isEmpty)

            let again = try await store.setPaused(id: job.id, true, expectedVersion: nil, now: at(20))
            #expect(again.version == 2, "pausing a paused job changes nothing")

            await expectStoreError(.versionMismatch, "resume with a stale version") {
                try await store.setPaused(id: job.id, false, expectedVersion: 1, now: at(600))
            }
            let resumed = try await store.setPaused(id: job.id, false, expectedVersion: 2, now: at(605))
            #expect(!resumed.spec.paused)
            #expect(resumed.nextRunAt == at(660), "resume recomputes from now on the same anchor")
            let after = try await store.claimDueFires(now: at(605), horizon: at(605), limit: 100)
            #expect(after.queued.isEmpty && after.missed.isEmpty, "no backfill of the fires skipped while paused")
            #expect(try await allHistory(store).isEmpty)
            let next = try await store.claimDueFires(now: at(660), horizon: at(660), limit: 100)
            #expect(next.queued.map(\.scheduledAt) == [at(660)])
        },

        StoreConformanceCase("enable and disable; a disabled job cannot be triggered") { store in
            let job = try await store.createJob(try intervalSpec("switch", seconds: 60), now: t0)
            let disabled = try await store.setEnabled(id: job.id, false, expectedVersion: nil, now: at(5))
            #expect(!disabled.spec.enabled)
            #expect(disabled.version == 2)
            #expect(try await store.jobCounts()[.disabled] == 1)
            let error = await expectStoreError(.invalidState, "trigger a disabled job") { try await store.trigger(jobId: job.id, now: at(6)) }
            #expect(error?.jobId == job.id)
            #expect(try await store.claimDueFires(now: at(300), horizon: at(300), limit: 10).jobsClaimed == 0)

            let enabled = try await store.setEnabled(id: job.id, true, expectedVersion: 2, now: at(330))
            #expect(enabled.spec.enabled)
            #expect(enabled.version == 3)
            #expect(enabled.nextRunAt == at(360), "enable recomputes from now (no backfill)")
            #expect(try await store.claimDueFires(now: at(330), horizon: at(330), limit: 10).queued.isEmpty)

            let paused = try await store.setPaused(id: job.id, true, expectedVersion: nil, now: at(331))
            #expect(paused.spec.paused)
            let manual = try await store.trigger(jobId: job.id, now: at(332))
            #expect(manual.trigger == .manual, "a paused job can still be triggered")
            #expect(manual.status == .queued)
            #expect(manual.scheduledAt == at(332))
            #expect(manual.runAfter == at(332))
            #expect(manual.attempt == 1)
            #expect(manual.jobKey == "switch")
            #expect(try await store.execution(id: manual.id) == manual)
            await expectStoreError(.notFound, "trigger an unknown job") { try await store.trigger(jobId: UUID(), now: at(332)) }
        },
    ]
}

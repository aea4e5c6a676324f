import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let historyCases: [StoreConformanceCase] = [
        StoreConformanceCase("history: newest first, filters, cursor pagination") { store in
            // Its fires wait in the queue for the whole case: a long grace, no coalescing.
            let ticking = try await store.createJob(try intervalSpec("ticking", seconds: 60, grace: 3600, coalesce: false), now: t0)
            let manual = try await store.createJob(try manualSpec("manual", maxInstances: 10), now: t0)
            for minute in 1...12 {
                let batch = try await store.claimDueFires(now: at(Double(minute * 60)), horizon: at(Double(minute * 60)), limit: 10)
                #expect(batch.queued.count == 1)
            }
            // Two manual runs at the same instant: ties are broken by id.
            _ = try await store.trigger(jobId: manual.id, now: at(300))
            _ = try await store.trigger(jobId: manual.id, now: at(300))
            _ = try await store.trigger(jobId: manual.id, now: at(301))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(1000), horizon: at(1000), limit: 5, leaseUntil: at(1030))
            #expect(claimed.count == 4, "one of ticking (maxInstances 1) and the three manual runs")
            try await store.complete(
                claimed.map { completion($0, startedAt: at(1000), finishedAt: at(1001), .succeeded(result: nil)) }, now: at(1001))

            let all = try await allHistory(store, pageSize: 4)
            #expect(all.count == 15)
            #expect(Set(all.map(\.id)).count == 15, "no execution on two pages")
            for (newer, older) in zip(all, all.dropFirst()) {
                let ordered = newer.scheduledAt > older.scheduledAt
                    || (newer.scheduledAt == older.scheduledAt && newer.id.uuidString > older.id.uuidString)
                #expect(ordered, "newest first by (scheduledAt, id)")
            }
            let single = try await allHistory(store, pageSize: 500)
            #expect(single.map(\.id) == all.map(\.id), "the page size does not change the order")

            let ofTicking = try await allHistory(store, jobId: ticking.id, pageSize: 5)
            #expect(ofTicking.count == 12)
            #expect(ofTicking.first?.scheduledAt == at(720))
            #expect(ofTicking.allSatisfy { $0.jobId == ticking.id })
            let succeeded = try await allHistory(store, statuses: [.succeeded], pageSize: 2)
            #expect(succeeded.count == 4)
            let succeededOrQueued = try await allHistory(store, statuses: [.succeeded, .queued], pageSize: 3)
            #expect(succeededOrQueued.count == 15)
            let manualQueued = try await allHistory(store, jobId: manual.id, statuses: [.queued])
            #expect(manualQueued.isEmpty || manualQueued.allSatisfy { $0.jobId == manual.id && $0.status == .queued })

            // A time range on the scheduled time: from inclusive, before exclusive, to the microsecond.
            let fiveMinutes = try await allHistory(store, from: at(300), before: at(360), pageSize: 2)
            #expect(fiveMinutes.map(\.scheduledAt) == [at(301), at(300), at(300), at(300)])
            #expect(fiveMinutes.map(\.id) == all.filter { $0.scheduledAt >= at(300) && $0.scheduledAt < at(360) }.map(\.id), "history's order")
            let ofTickingInRange = try await allHistory(store, jobId: ticking.id, from: at(240), before: at(480), pageSize: 3)
            #expect(ofTickingInRange.map(\.scheduledAt) == [at(420), at(360), at(300), at(240)])
            let succeededLate = try await allHistory(store, statuses: [.succeeded], from: at(300))
            #expect(succeededLate.map(\.id) == all.filter { $0.status == .succeeded && $0.scheduledAt >= at(300) }.map(\.id))
            #expect(succeededLate.count >= 3, "at least the three manual runs")
            #expect(try await allHistory(store, before: at(60)).isEmpty)
            #expect(try await allHistory(store, before: at(60.000001)).count == 1)
            #expect(try await allHistory(store, from: at(720.000001)).isEmpty)
            #expect(try await allHistory(store, from: at(500), before: at(400)).isEmpty, "an empty range")

            let first = try await store.history(HistoryQuery(limit: 4))
            #expect(first.items.count == 4)
            let firstCursor = try #require(first.nextCursor)
            let second = try await store.history(HistoryQuery(limit: 4, cursor: firstCursor))
            #expect(second.items.map(\.id) == Array(all[4..<8]).map(\.id))
            let exact = try await store.history(HistoryQuery(limit: 15))
            #expect(exact.nextCursor == nil)
            #expect(try await store.history(HistoryQuery(limit: 0)).items.count == 1, "limit clamped to at least 1")
            #expect(try await store.history(HistoryQuery(limit: 100_000)).items.count == 15)

            await expectStoreError(.invalidCursor, "malformed history cursor") {
                try await store.history(HistoryQuery(cursor: "not-a-cursor!"))
            }
            await expectStoreError(.invalidCursor, "base64 of garbage") {
                try await store.history(HistoryQuery(cursor: Data("garbage".utf8).base64EncodedString()))
            }
            #expect(try await store.history(HistoryQuery(jobId: UUID())).items.isEmpty)
        },

        StoreConformanceCase("recent statuses: each job's newest outcomes in history's order, for a page of jobs at once") { store in
            let busy = try await store.createJob(try manualSpec("busy", maxInstances: 10), now: t0)
            let quiet = try await store.createJob(try manualSpec("quiet"), now: t0)
            let never = try await store.createJob(try manualSpec("never"), now: t0)
            for index in 0..<5 {
                _ = try await store.trigger(jobId: busy.id, now: at(Double(index)))
                let claimed = try #require(
                    try await store.claimExecutions(instanceId: "worker-a", now: at(Double(index)), horizon: at(Double(index)), limit: 1, leaseUntil: at(1000)).first)
                let outcome: Completion.Outcome = index.isMultiple(of: 2)
                    ? .succeeded(result: nil) : .failed(ExecutionError(reason: ExecutionError.exception, message: "boom"), result: nil, retryAt: nil)
                try await store.complete([completion(claimed, startedAt: at(Double(index)), finishedAt: at(Double(index) + 0.5), outcome)], now: at(Double(index) + 0.5))
            }
            _ = try await store.trigger(jobId: busy.id, now: at(10))
            _ = try await store.trigger(jobId: quiet.id, now: at(11))
            let newestFirst: [ExecutionStatus] = [.queued, .succeeded, .failed, .succeeded, .failed, .succeeded]
            #expect(try await allHistory(store, jobId: busy.id).map(\.status) == newestFirst, "the history it mirrors")

            let page = try await store.recentStatuses(RecentStatusesQuery(jobIds: [busy.id, quiet.id, never.id, UUID(), busy.id], limit: 20))
            #expect(page == [busy.id: newestFirst, quiet.id: [.queued]], "newest first; a job without executions, or unknown, is absent")
            let three = try await store.recentStatuses(RecentStatusesQuery(jobIds: [quiet.id, busy.id], limit: 3))
            #expect(three == [busy.id: Array(newestFirst.prefix(3)), quiet.id: [.queued]])
            #expect(try await store.recentStatuses(RecentStatusesQuery(jobIds: [busy.id], limit: 0)) == [busy.id: [.queued]], "limit clamped to at least 1")
            #expect(try await store.recentStatuses(RecentStatusesQuery(jobIds: [], limit: 20)).isEmpty)
        },

        StoreConformanceCase("retention deletes finished executions in batches, oldest first") { store in
            let job = try await store.createJob(try manualSpec("retained", maxInstances: 10), now: t0)
            var finishedIds: [UUID] = []
            for index in 0..<5 {
                let execution = try await store.trigger(jobId: job.id, now: at(Double(index)))
                let claimed = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(Double(index)), horizon: at(Double(index)), limit: 1, leaseUntil: at(1000)).first)
                #expect(claimed.execution.id == execution.id)
                try await store.complete(
                    [completion(claimed, startedAt: at(Double(index)), finishedAt: at(Double(100 + index)), .succeeded(result: nil))],
                    now: at(Double(100 + index)))
                finishedIds.append(execution.id)
            }
            let stillQueued = try await store.trigger(jobId: job.id, now: at(10))
            let recent = try await store.trigger(jobId: job.id, now: at(11))
            _ = try await store.cancel(executionId: recent.id, now: at(500))

            let cutoff = at(200)
            #expect(try await store.deleteHistory(finishedBefore: cutoff, limit: 2) == 2)
            #expect(try await store.execution(id: finishedIds[0]) == nil, "oldest first")
            #expect(try await store.execution(id: finishedIds[1]) == nil)
            #expect(try await store.execution(id: finishedIds[2]) != nil)
            #expect(try await store.deleteHistory(finishedBefore: cutoff, limit: 2) == 2)
            #expect(try await store.deleteHistory(finishedBefore: cutoff, limit: 2) == 1)
            #expect(try await store.deleteHistory(finishedBefore: cutoff, limit: 2) == 0)
            #expect(try await store.execution(id: stillQueued.id)?.status == .queued, "unfinished executions are kept")
            #expect(try await store.execution(id: recent.id)?.status == .cancelled, "finished after the cutoff: kept")
            let counts = try await store.executionCounts()
            #expect(counts[.succeeded] ?? 0 == 0)
            #expect(counts[.queued] == 1)
            #expect(counts[.cancelled] == 1)
            #expect(try await store.deleteHistory(finishedBefore: at(10_000), limit: 100) == 1)
            #expect(try await store.job(id: job.id) != nil, "retention never deletes jobs")
        },

        StoreConformanceCase("execution counts cover every status") { store in
            let counts = try await store.executionCounts()
            #expect(counts.values.reduce(0, +) == 0)
            let job = try await store.createJob(try manualSpec("counted"), now: t0)
            _ = try await store.trigger(jobId: job.id, now: t0)
            #expect(try await store.executionCounts()[.queued] == 1)
        },

        StoreConformanceCase("migrations are listed, oldest first") { store in
            let migrations = try await store.appliedMigrations()
            #expect(!migrations.isEmpty)
            #expect(Set(migrations).count == migrations.count)
            #expect(migrations.first?.hasPrefix("v1") == true)
        },
    ]
}

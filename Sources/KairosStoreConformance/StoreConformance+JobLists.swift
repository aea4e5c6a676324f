import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let jobListCases: [StoreConformanceCase] = [
        StoreConformanceCase("job counts follow every write: create, pause, disable, delete, replace, upsert, finish") { store in
            func expectCounts(_ active: Int, _ paused: Int, _ disabled: Int, _ finished: Int, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let counts = try await store.jobCounts()
                let got = [counts[.active] ?? 0, counts[.paused] ?? 0, counts[.disabled] ?? 0, counts[.finished] ?? 0]
                #expect(got == [active, paused, disabled, finished], "\(step): active, paused, disabled, finished", sourceLocation: sourceLocation)
                for state in JobQuery.State.allCases {
                    let listed = try await allJobs(store, JobQuery(state: state, limit: 50)).count
                    #expect(listed == counts[state] ?? 0, "\(step): the \(state) count is the \(state) list's length", sourceLocation: sourceLocation)
                }
            }
            try await expectCounts(0, 0, 0, 0, "empty")
            let a = try await store.createJob(try intervalSpec("a"), now: t0)
            let b = try await store.createJob(try intervalSpec("b", paused: true), now: t0)
            let c = try await store.createJob(try intervalSpec("c", enabled: false), now: t0)
            let once = try await store.createJob(try oneShotSpec("once", at: at(5)), now: t0)
            try await expectCounts(2, 1, 1, 0, "created (one paused, one disabled)")
            _ = try await store.setPaused(id: a.id, true, expectedVersion: nil, now: at(1))
            try await expectCounts(1, 2, 1, 0, "a paused")
            _ = try await store.setEnabled(id: a.id, false, expectedVersion: nil, now: at(1))
            try await expectCounts(1, 1, 2, 0, "a disabled while paused")
            _ = try await store.setPaused(id: a.id, false, expectedVersion: nil, now: at(2))
            _ = try await store.setEnabled(id: a.id, true, expectedVersion: nil, now: at(2))
            _ = try await store.setPaused(id: b.id, false, expectedVersion: nil, now: at(2))
            try await expectCounts(3, 0, 1, 0, "a and b runnable again")
            _ = try await store.claimDueFires(now: at(5), horizon: at(5), limit: 10)
            try await expectCounts(2, 0, 1, 1, "the one-shot fired: finished")
            _ = try await store.deleteJob(id: once.id, expectedVersion: nil, now: at(6))
            _ = try await store.deleteJob(id: c.id, expectedVersion: nil, now: at(6))
            try await expectCounts(2, 0, 0, 0, "two deleted")
            var replaced = try intervalSpec("a2", seconds: 30, paused: true)
            replaced.name = "renamed"
            _ = try await store.replaceJob(id: a.id, with: replaced, expectedVersion: nil, now: at(7))
            try await expectCounts(1, 1, 0, 0, "replaced by a paused spec")
            _ = try await store.upsertJob(try intervalSpec("b", enabled: false), system: false, now: at(8))
            _ = try await store.upsertJob(try intervalSpec("sys"), system: true, now: at(8))
            try await expectCounts(1, 1, 1, 0, "upserts: b disabled, a system job created")
            _ = try await store.createJob(try intervalSpec("c", paused: true), now: at(9))
            try await expectCounts(1, 2, 1, 0, "a deleted job's key reused")
        },

        StoreConformanceCase("list jobs: every order, with each filter, pages like a sort in memory") { store in
            let tasks = ["system.noop", "http.request"]
            for index in 0..<36 {
                var spec = try intervalSpec(
                    "job.\(String(format: "%02d", (index * 7) % 36))", seconds: 30 + (index % 5) * 10, task: tasks[index % 9 == 0 ? 1 : 0],
                    priority: index % 4, enabled: index % 11 != 3, paused: index % 6 == 1)
                spec.name = ["Report", "backup", "REPORT nightly", "sync"][index % 4] + " \(index % 3)"
                _ = try await store.createJob(spec, now: at(Double(index % 9)))
            }
            _ = try await store.createJob(try oneShotSpec("once.done", at: at(-10), priority: 2), now: t0)
            _ = try await store.upsertJob(try intervalSpec("system.cleanup", task: "system.cleanup-history"), system: true, now: t0)
            for key in ["job.04", "job.15", "job.22"] {
                let job = try #require(try await store.job(key: key))
                _ = try await store.trigger(jobId: job.id, now: at(20))
                let claimed = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(20), horizon: at(20), limit: 1, leaseUntil: at(50)).first)
                _ = try await store.complete([completion(claimed, startedAt: at(20), finishedAt: at(21), .succeeded(result: nil))], now: at(21))
            }
            for key in ["job.07", "job.22"] {
                let job = try #require(try await store.job(key: key))
                _ = try await store.trigger(jobId: job.id, now: at(22))
                let claimed = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(22), horizon: at(22), limit: 1, leaseUntil: at(50)).first)
                let failure = ExecutionError(reason: ExecutionError.exception, message: "boom")
                _ = try await store.complete([completion(claimed, startedAt: at(22), finishedAt: at(23), .failed(failure, result: nil, retryAt: nil))], now: at(23))
            }
            _ = try await store.claimDueFires(now: at(25), horizon: at(25), limit: 100)
            let deleted = try #require(try await store.job(key: "job.30"))
            _ = try await store.deleteJob(id: deleted.id, expectedVersion: nil, now: at(26))

            let jobs = try await allJobs(store, JobQuery(limit: 500))
            #expect(jobs.count == 37)
            func state(_ job: Job) -> JobQuery.State {
                !job.spec.enabled ? .disabled : job.spec.paused ? .paused : job.nextRunAt == nil ? .finished : .active
            }
            let filters: [(String, JobQuery, (Job) -> Bool)] = [
                ("none", JobQuery(), { _ in true }),
                ("active", JobQuery(state: .active), { state($0) == .active }),
                ("paused", JobQuery(state: .paused), { state($0) == .paused }),
                ("finished", JobQuery(state: .finished), { state($0) == .finished }),
                ("task", JobQuery(task: "http.request"), { $0.spec.task == "http.request" }),
                ("enabled false", JobQuery(enabled: false), { !$0.spec.enabled }),
                ("paused false, enabled", JobQuery(enabled: true, paused: false), { $0.spec.enabled && !$0.spec.paused }),
                ("last outcome succeeded", JobQuery(lastOutcome: .status(.succeeded)), { $0.lastStatus == .succeeded }),
                ("last outcome failed (after a success too)", JobQuery(lastOutcome: .status(.failed)), { $0.lastStatus == .failed }),
                ("never ran, with a task", JobQuery(task: "system.noop", lastOutcome: .never), { $0.lastStatus == nil && $0.spec.task == "system.noop" }),
                ("last outcome missed", JobQuery(lastOutcome: .status(.missed)), { $0.lastStatus == .missed }),
                ("prefix", JobQuery(keyPrefix: "job.1"), { $0.key.hasPrefix("job.1") }),
                ("search, 3+ characters", JobQuery(search: "rEpOrT"), { $0.spec.name.lowercased().contains("report") }),
                ("search with a NUL and a quote", JobQuery(search: "\u{0}\"REPORT"), { _ in false }),
                ("search ending in a NUL", JobQuery(search: "nightly\u{0}"), { _ in false }),
                ("task ending in a NUL", JobQuery(task: "http.request\u{0}"), { _ in false }),
                ("search, short", JobQuery(search: "b."), { $0.key.contains("b.") || $0.spec.name.lowercased().contains("b.") }),
                ("no system jobs, search and task", JobQuery(task: "system.noop", search: "sync", includeSystem: false), {
                    !$0.system && $0.spec.task == "system.noop" && $0.spec.name.contains("sync")
                }),
            ]
            for (name, filter, matches) in filters {
                for sort in JobQuery.Sort.allCases {
                    var query = filter
                    query.sort = sort
                    query.limit = 4
                    let listed = try await allJobs(store, query).map(\.key)
                    #expect(listed == expectedOrder(jobs.filter(matches), sort), "filter \(name), sorted by \(sort)")
                }
            }
        },

        StoreConformanceCase("list jobs: the search folds ASCII letters only, whatever the database's locale") { store in
            for (key, name) in [("ecole-1", "ÉCOLE du soir"), ("ecole-2", "école"), ("strasse", "Straße"), ("greek", "ΑΒΓ report")] {
                var spec = try intervalSpec(key)
                spec.name = name
                _ = try await store.createJob(spec, now: t0)
            }
            let searches: [(String, [String])] = [
                ("éCOLE", ["ecole-2"]), ("École", ["ecole-1"]), ("É", ["ecole-1"]), ("STRASSE", ["strasse"]), ("STRAßE", ["strasse"]),
                ("αβγ", []), ("ΑΒΓ REPORT", ["greek"]), ("ECOLE-", ["ecole-1", "ecole-2"]),
            ]
            for (search, keys) in searches {
                #expect(try await allJobs(store, JobQuery(search: search, limit: 2)).map(\.key) == keys, "q=\(search)")
            }
        },
    ]
}

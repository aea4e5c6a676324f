import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    /// Two handles on one database, raced: what two processes on one store do at once.
    static let raceCases: [StoreConformanceCase] = [
        StoreConformanceCase("two handles: schedulers claiming the same due fires never duplicate one", handles: { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            for index in 0..<100 { _ = try await a.createJob(try intervalSpec("race.\(index)", seconds: 1), now: t0) }
            var identities: [String] = []
            for second in 1...5 {
                let now = at(Double(second))
                async let first = a.claimDueFires(now: now, horizon: now, limit: 60, localClaim: LocalClaim(instanceId: "a", leaseUntil: now + 30, limit: 40))
                async let second = b.claimDueFires(now: now, horizon: now, limit: 60, localClaim: LocalClaim(instanceId: "b", leaseUntil: now + 30, limit: 40))
                let batches = try await [first, second]
                let rest = try await a.claimDueFires(now: now, horizon: now, limit: 1000)
                for batch in batches + [rest] {
                    identities += (batch.queued + batch.claimed.map(\.execution)).map { "\($0.jobId.uuidString)@\($0.scheduledAt.timeIntervalSince1970)" }
                }
            }
            #expect(identities.count == 500, "every job fired once a second for five seconds")
            #expect(Set(identities).count == identities.count, "no (job, fire) twice")
            #expect(try await allHistory(b).count == 500)
        }),

        StoreConformanceCase("two handles: workers claiming the same queue never take an execution twice", handles: { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            let job = try await a.createJob(try manualSpec("shared", maxInstances: 10), now: t0)
            for index in 0..<40 { _ = try await a.trigger(jobId: job.id, now: at(Double(index) / 100)) }
            async let first = a.claimExecutions(instanceId: "a", now: at(1), horizon: at(1), limit: 8, leaseUntil: at(31))
            async let second = b.claimExecutions(instanceId: "b", now: at(1), horizon: at(1), limit: 8, leaseUntil: at(31))
            let (x, y) = try await (first, second)
            #expect(x.count + y.count == 10, "maxInstances 10 across both handles")
            #expect(Set((x + y).map(\.execution.id)).count == 10)
        }),

        StoreConformanceCase("two handles: a reaper racing a completion, exactly one of them wins", handles: { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            try await a.registerInstance(instance("worker-a", at: t0))
            let job = try await a.createJob(try manualSpec("contended", maxInstances: 10, retry: try RetryPolicy(maxRetries: 1)), now: t0)
            for index in 0..<20 { _ = try await a.trigger(jobId: job.id, now: at(Double(index) / 100)) }
            let claimed = try await a.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 20, leaseUntil: at(31))
            try await a.recordStarts(claimed.map {
                AttemptStart(executionId: $0.execution.id, instanceId: "worker-a", attempt: 1, startedAt: at(1))
            })
            let completions = claimed.map { completion($0, startedAt: at(1), finishedAt: at(32), .succeeded(result: "ok")) }
            async let completing = a.complete(completions, now: at(32))
            async let reaping = b.reapExpiredLeases(now: at(32), deadAfter: 60, limit: 100)
            let (ignored, reaped) = try await (completing, reaping)
            #expect(Set(ignored) == Set(reaped.map(\.id)), "an outcome is ignored exactly when its attempt was reaped")
            for execution in claimed.map(\.execution) {
                let stored = try #require(try await b.execution(id: execution.id))
                if reaped.contains(where: { $0.id == execution.id }) {
                    #expect(stored.status == .queued && stored.attempt == 2, "worker lost, retried")
                } else {
                    #expect(stored.status == .succeeded && stored.attempt == 1)
                }
            }
        }),

        StoreConformanceCase("two handles: upserts of the same key create it once", handles: { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            let spec = try intervalSpec("declared", seconds: 60)
            async let first = a.upsertJob(spec, system: false, now: t0)
            async let second = b.upsertJob(spec, system: false, now: t0)
            let results = try await [first, second]
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.job.id)).count == 1, "both name the same job")
            #expect(try await allJobs(b, JobQuery()).map(\.key) == ["declared"])
        }),
    ]
}

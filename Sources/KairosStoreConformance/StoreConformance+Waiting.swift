import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    /// Waiting fires are bounded by their grace; starts are recorded; a never-started claim is
    /// released, not failed; a dead instance's work is taken back at once.
    static let waitingCases: [StoreConformanceCase] = [
        StoreConformanceCase("a scheduled fire waiting past its grace is recorded missed, never claimed") { store in
            // One worker slot per job: the first fire runs, later ones wait behind maxInstances.
            let job = try await store.createJob(try intervalSpec("slow", seconds: 1, grace: 2, coalesce: false), now: t0)
            let first = try await store.claimDueFires(now: at(1), horizon: at(1), limit: 10)
            let running = try await store.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 10, leaseUntil: at(60))
            #expect(running.map(\.execution.id) == first.queued.map(\.id))
            #expect(first.queued.first?.missAfter == at(3), "runAfter plus the grace")

            _ = try await store.claimDueFires(now: at(2), horizon: at(2), limit: 10)
            #expect(try await store.claimExecutions(instanceId: "worker-a", now: at(2), horizon: at(2), limit: 10, leaseUntil: at(60)).isEmpty,
                    "maxInstances 1: the fire at 2 waits")
            // At 4.5 the fire at 2 is 2.5 s late: recorded missed by the next pass, not run.
            let later = try await store.claimDueFires(now: at(4.5), horizon: at(4.5), limit: 10)
            let missed = try #require(later.missed.first { $0.scheduledAt == at(2) })
            #expect(missed.status == .missed)
            #expect(missed.error?.reason == ExecutionError.misfire)
            #expect(try await store.execution(id: missed.id)?.status == .missed)
            // A claim never starts a fire past its grace, even before a pass records it.
            _ = try await store.complete([completion(running[0], startedAt: at(1), finishedAt: at(9), .succeeded(result: nil))], now: at(9))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(9), horizon: at(9), limit: 10, leaseUntil: at(60))
            #expect(claimed.isEmpty, "the fires at 3 and 4 are past their grace at 9")
            #expect(try await allHistory(store, jobId: job.id).filter { $0.status == .missed }.map(\.scheduledAt).contains(at(2)))
        },

        StoreConformanceCase("with coalesce, a job's waiting fires collapse into the newest one") { store in
            let job = try await store.createJob(try intervalSpec("busy", seconds: 1, grace: 30, coalesce: true), now: t0)
            _ = try await store.claimDueFires(now: at(1), horizon: at(1), limit: 10)
            let running = try await store.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 10, leaseUntil: at(60))
            #expect(running.count == 1)
            for second in 2...6 { _ = try await store.claimDueFires(now: at(Double(second)), horizon: at(Double(second)), limit: 10) }
            let waiting = try await allHistory(store, jobId: job.id, statuses: [.queued])
            #expect(waiting.map(\.scheduledAt) == [at(6)], "one fire waits: the newest")
            let missed = try await allHistory(store, jobId: job.id, statuses: [.missed])
            #expect(Set(missed.map(\.scheduledAt)) == Set([2, 3, 4, 5].map { at(Double($0)) }))
            #expect(missed.allSatisfy { $0.error?.message.contains("coalesced") == true })
        },

        StoreConformanceCase("retries and manual runs wait as long as they must (no grace)") { store in
            let job = try await store.createJob(try manualSpec("manual", maxInstances: 1), now: t0)
            let manual = try await store.trigger(jobId: job.id, now: t0)
            #expect(manual.missAfter == nil)
            let batch = try await store.claimDueFires(now: at(10_000), horizon: at(10_000), limit: 10)
            #expect(batch.missed.isEmpty)
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(10_000), horizon: at(10_000), limit: 10, leaseUntil: at(10_030))
            #expect(claimed.map(\.execution.id) == [manual.id])
        },

        StoreConformanceCase("recorded starts show while running; the reaper releases a claim that never started") { store in
            try await store.registerInstance(instance("worker-a", at: t0))
            let job = try await store.createJob(try manualSpec("leased", retry: .none), now: t0)
            let started = try await store.trigger(jobId: job.id, now: t0)
            let idle = try await store.trigger(jobId: job.id, now: at(0.5))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 1, leaseUntil: at(31))
            #expect(claimed.map(\.execution.id) == [started.id])
            try await store.recordStarts([AttemptStart(executionId: started.id, instanceId: "worker-a", attempt: 1, startedAt: at(1.5))])
            #expect(try await store.execution(id: started.id)?.startedAt == at(1.5), "startedAt while it runs")
            try await store.recordStarts([AttemptStart(executionId: started.id, instanceId: "worker-b", attempt: 1, startedAt: at(2))])
            #expect(try await store.execution(id: started.id)?.startedAt == at(1.5), "another instance's start is ignored")

            // The started one is lost and failed; after it the idle one is claimed and never started.
            let reaped = try await store.reapExpiredLeases(now: at(32), deadAfter: 60, limit: 10)
            #expect(reaped.map(\.id) == [started.id])
            #expect(reaped.first?.status == .failed)
            #expect(reaped.first?.error?.reason == ExecutionError.workerLost)
            let next = try await store.claimExecutions(instanceId: "worker-a", now: at(33), horizon: at(33), limit: 1, leaseUntil: at(63))
            #expect(next.map(\.execution.id) == [idle.id])
            let released = try await store.reapExpiredLeases(now: at(64), deadAfter: 60, limit: 10)
            #expect(released.map(\.id) == [idle.id])
            let stored = try #require(try await store.execution(id: idle.id))
            #expect(stored.status == .queued, "released, not failed")
            #expect(stored.attempt == 1, "the attempt is not counted")
            #expect(stored.error == nil)
            #expect(stored.instanceId == nil)
            #expect(try await store.job(id: job.id)?.lastStatus == .failed, "only the started attempt counts as a run")
        },

        StoreConformanceCase("recoverInstances: a dead instance's leases expire at once, its never-started claims are released") { store in
            try await store.registerInstance(instance("dead", at: t0))
            for index in 0..<3 { _ = try await store.createJob(try intervalSpec("rec.\(index)", seconds: 60), now: t0) }
            let claim = LocalClaim(instanceId: "dead", leaseUntil: at(90), limit: 10)
            let batch = try await store.claimDueFires(now: at(59.5), horizon: at(60), limit: 10, localClaim: claim)
            #expect(batch.claimed.count == 3, "claimed ahead of their time, never started")
            // Registered after that pass: with two instances, PostgreSQL plans ahead only the
            // dead one's share of the jobs (docs/POSTGRES.md, "Look-ahead shares").
            try await store.registerInstance(instance("alive", at: t0))
            #expect(try await store.reapExpiredLeases(now: at(61), deadAfter: 600, limit: 10).isEmpty, "leases still valid")

            let stopped = try await store.recoverInstances(otherThan: "alive", now: at(61))
            #expect(stopped == ["dead"])
            let instances = try await store.listInstances()
            #expect(instances.first { $0.id == "dead" }?.stoppedAt == at(61))
            #expect(instances.first { $0.id == "alive" }?.stoppedAt == nil)
            let reaped = try await store.reapExpiredLeases(now: at(61), deadAfter: 600, limit: 10)
            #expect(reaped.count == 3)
            #expect(reaped.allSatisfy { $0.status == .queued && $0.attempt == 1 && $0.error == nil })
            let runnable = try await store.claimExecutions(instanceId: "alive", now: at(61), horizon: at(61), limit: 10, leaseUntil: at(91))
            #expect(runnable.count == 3, "the released fires run on the living instance")
        },
    ]
}

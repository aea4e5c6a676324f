import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let schedulingCases: [StoreConformanceCase] = [
        StoreConformanceCase("claimDueFires: one execution per fire, advancing the next fire") { store in
            let job = try await store.createJob(try intervalSpec("tick", seconds: 60, priority: 7), now: t0)
            #expect(try await store.claimDueFires(now: at(59), horizon: at(59), limit: 10).jobsClaimed == 0, "not due yet")

            let first = try await store.claimDueFires(now: at(60), horizon: at(60), limit: 10)
            #expect(first.jobsClaimed == 1)
            #expect(first.missed.isEmpty)
            let execution = try #require(first.queued.first)
            #expect(first.queued.count == 1)
            #expect(execution.jobId == job.id)
            #expect(execution.jobKey == "tick")
            #expect(execution.trigger == .scheduled)
            #expect(execution.status == .queued)
            #expect(execution.scheduledAt == at(60))
            #expect(execution.runAfter == at(60))
            #expect(execution.priority == 7, "priority is copied from the job")
            #expect(execution.attempt == 1)
            #expect(try await store.execution(id: execution.id) == execution)
            #expect(try await store.job(id: job.id)?.nextRunAt == at(120))
            #expect(try await store.earliestNextRun() == at(120))

            let second = try await store.claimDueFires(now: at(60), horizon: at(60), limit: 10)
            #expect(second.queued.isEmpty, "the same fire is not queued twice")
            #expect(second.jobsClaimed == 0)
            #expect(try await allHistory(store).count == 1)
        },

        StoreConformanceCase("claimDueFires: concurrent passes never duplicate a fire") { store in
            for index in 0..<200 { _ = try await store.createJob(try intervalSpec("burst.\(index)", seconds: 60), now: t0) }
            async let a = store.claimDueFires(now: at(60), horizon: at(60), limit: 150)
            async let b = store.claimDueFires(now: at(60), horizon: at(60), limit: 150)
            let (first, second) = try await (a, b)
            let third = try await store.claimDueFires(now: at(60), horizon: at(60), limit: 150)
            let queued = first.queued + second.queued + third.queued
            #expect(queued.count == 200)
            let identities = Set(queued.map { "\($0.jobId.uuidString)@\($0.scheduledAt.timeIntervalSince1970)" })
            #expect(identities.count == 200, "no (job, fire) queued twice")
            #expect(first.jobsClaimed + second.jobsClaimed + third.jobsClaimed == 200)
            #expect(try await allHistory(store).count == 200)
            #expect(try await store.queueDepth(now: at(60)) == 200)
            #expect(try await store.claimDueFires(now: at(60), horizon: at(60), limit: 1000).jobsClaimed == 0)
        },

        StoreConformanceCase("claimDueFires with a local claim: new runs start out running for that instance, within its limit and maxInstances") { store in
            for index in 0..<4 { _ = try await store.createJob(try intervalSpec("local.\(index)", seconds: 60), now: t0) }
            let claim = LocalClaim(instanceId: "scheduler-1", leaseUntil: at(90), limit: 3)
            let batch = try await store.claimDueFires(now: at(60), horizon: at(60), limit: 10, localClaim: claim)
            #expect(batch.jobsClaimed == 4)
            #expect(batch.claimed.count == 3, "the local limit")
            #expect(batch.queued.count == 1, "the rest is queued for any worker")
            for claimed in batch.claimed {
                #expect(claimed.execution.status == .running)
                #expect(claimed.execution.instanceId == "scheduler-1")
                #expect(claimed.execution.leaseExpiresAt == at(90))
                #expect(claimed.job.id == claimed.execution.jobId)
                #expect(try await store.execution(id: claimed.execution.id)?.status == .running)
            }
            // A job already running at maxInstances (1) gets its next fire queued, not claimed.
            let busy = try #require(batch.claimed.first)
            let next = try await store.claimDueFires(now: at(120), horizon: at(120), limit: 10, localClaim: LocalClaim(instanceId: "scheduler-1", leaseUntil: at(150), limit: 10))
            #expect(!next.claimed.contains { $0.execution.jobId == busy.job.id })
            #expect(next.queued.contains { $0.jobId == busy.job.id })
            // Local claims are completed like any other claimed execution.
            try await store.complete(
                [Completion(executionId: busy.execution.id, instanceId: "scheduler-1", attempt: 1, startedAt: at(60), finishedAt: at(61), outcome: .succeeded(result: "ok"))],
                now: at(61))
            #expect(try await store.execution(id: busy.execution.id)?.status == .succeeded)
            #expect(Set((batch.claimed.map(\.execution) + batch.queued + next.claimed.map(\.execution) + next.queued).map(\.id)).count == 8)
        },

        StoreConformanceCase("claimDueFires: a full batch leaves the rest for the next pass") { store in
            for index in 0..<5 { _ = try await store.createJob(try intervalSpec("batch.\(index)", seconds: 60), now: at(Double(index))) }
            let first = try await store.claimDueFires(now: at(100), horizon: at(100), limit: 3)
            #expect(first.jobsClaimed == 3)
            #expect(Set(first.queued.map(\.jobKey)) == ["batch.0", "batch.1", "batch.2"], "earliest next fire first")
            let second = try await store.claimDueFires(now: at(100), horizon: at(100), limit: 3)
            #expect(second.jobsClaimed == 2)
            #expect(Set(second.queued.map(\.jobKey)) == ["batch.3", "batch.4"])
        },

        StoreConformanceCase("misfire without coalesce: runnable fires run, older ones are recorded missed") { store in
            let job = try await store.createJob(try intervalSpec("late", seconds: 60, grace: 90, coalesce: false), now: t0)
            let batch = try await store.claimDueFires(now: at(600), horizon: at(600), limit: 10)
            #expect(batch.jobsClaimed == 1)
            #expect(batch.queued.map(\.scheduledAt) == [at(540), at(600)], "fires within 90 s of now run")
            #expect(batch.missed.map(\.scheduledAt) == stride(from: 60.0, through: 480, by: 60).map { at($0) })
            for missed in batch.missed {
                #expect(missed.status == .missed)
                #expect(missed.finishedAt == at(600))
                #expect(missed.trigger == .scheduled)
            }
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.nextRunAt == at(660))
            let history = try await allHistory(store, jobId: job.id)
            #expect(history.count == 10)
            #expect(history.filter { $0.status == .missed }.count == 8)
            #expect(try await store.executionCounts()[.missed] == 8)
        },

        StoreConformanceCase("misfire with coalesce: runnable fires collapse into one run") { store in
            let job = try await store.createJob(try intervalSpec("late", seconds: 60, grace: 90, coalesce: true), now: t0)
            let batch = try await store.claimDueFires(now: at(600), horizon: at(600), limit: 10)
            #expect(batch.queued.map(\.scheduledAt) == [at(600)])
            #expect(batch.missed.count == 8)
            #expect(try await store.job(id: job.id)?.nextRunAt == at(660))
            #expect(try await allHistory(store).count == 9)
        },

        StoreConformanceCase("misfire: only missed fires set the job's last status to missed") { store in
            let job = try await store.createJob(try intervalSpec("stale", seconds: 60, grace: 10), now: t0)
            let batch = try await store.claimDueFires(now: at(100), horizon: at(100), limit: 10)
            #expect(batch.queued.isEmpty)
            #expect(batch.missed.map(\.scheduledAt) == [at(60)])
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.lastStatus == .missed)
            #expect(stored.lastRunAt == at(60))
            #expect(stored.nextRunAt == at(120))
        },

        StoreConformanceCase("look-ahead: fires within the horizon are queued before they are due") { store in
            let job = try await store.createJob(try intervalSpec("ahead", seconds: 10), now: t0)
            #expect(try await store.claimDueFires(now: at(5), horizon: at(9.5), limit: 10).jobsClaimed == 0)
            let batch = try await store.claimDueFires(now: at(9.6), horizon: at(10.1), limit: 10)
            #expect(batch.queued.map(\.scheduledAt) == [at(10)])
            #expect(batch.queued.first?.runAfter == at(10), "runAfter is the fire time, not the claim time")
            #expect(batch.missed.isEmpty)
            #expect(try await store.job(id: job.id)?.nextRunAt == at(20))
            #expect(try await store.queueDepth(now: at(9.6)) == 0, "not runnable before its time")
            #expect(try await store.queueDepth(now: at(10)) == 1)
            #expect(try await store.earliestQueued() == at(10))
            let wide = try await store.claimDueFires(now: at(10), horizon: at(40), limit: 10)
            #expect(wide.queued.map(\.scheduledAt) == [at(20), at(30), at(40)])
            #expect(try await store.job(id: job.id)?.nextRunAt == at(50))
        },

        StoreConformanceCase("jitter: runAfter keeps sub-second precision") { store in
            let spec = try JobSpec(
                key: "jittery", task: "system.noop", schedule: .cron(try CronSchedule(expression: "* * * * *", jitter: 30)))
            let job = try await store.createJob(spec, now: t0)
            let batch = try await store.claimDueFires(now: at(60), horizon: at(60), limit: 10)
            let execution = try #require(batch.queued.first)
            #expect(execution.scheduledAt == at(60))
            #expect(execution.runAfter == job.spec.schedule.fireTime(nominal: at(60), jobKey: "jittery"))
            let stored = try #require(try await store.execution(id: execution.id))
            #expect(abs(stored.runAfter.timeIntervalSince(execution.runAfter)) < 0.000_002)
        },

        StoreConformanceCase("one-shot job: fires once, then is finished") { store in
            let job = try await store.createJob(try oneShotSpec("once", at: at(30)), now: t0)
            #expect(job.nextRunAt == at(30))
            let batch = try await store.claimDueFires(now: at(30), horizon: at(30), limit: 10)
            #expect(batch.queued.map(\.scheduledAt) == [at(30)])
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.nextRunAt == nil)
            #expect(try await store.earliestNextRun() == nil)
            #expect(try await allJobs(store, JobQuery(state: .finished)).map(\.key) == ["once"])
            #expect(try await allJobs(store, JobQuery(state: .active)).isEmpty)
            #expect(try await store.jobCounts()[.finished] == 1)
            #expect(try await store.claimDueFires(now: at(3600), horizon: at(3600), limit: 10).jobsClaimed == 0)
            let manual = try await store.trigger(jobId: job.id, now: at(40))
            #expect(manual.trigger == .manual, "a finished job can still be triggered")
        },

        StoreConformanceCase("manual triggers of the same job at the same instant are distinct executions") { store in
            let job = try await store.createJob(try manualSpec("twice", maxInstances: 2), now: t0)
            let a = try await store.trigger(jobId: job.id, now: at(1))
            let b = try await store.trigger(jobId: job.id, now: at(1))
            #expect(a.id != b.id)
            #expect(try await allHistory(store).count == 2)
        },
    ]
}

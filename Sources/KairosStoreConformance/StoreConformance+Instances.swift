import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let instanceCases: [StoreConformanceCase] = [
        StoreConformanceCase("instances: register, heartbeat, stop, list") { store in
            try await store.registerInstance(instance("alpha", at: t0))
            try await store.registerInstance(instance("beta", at: at(1)))
            var listed = try await store.listInstances()
            #expect(listed.map(\.id) == ["alpha", "beta"])
            let alpha = try #require(listed.first)
            #expect(alpha.hostname == "host-alpha")
            #expect(alpha.pid == 42)
            #expect(alpha.roles == ["scheduler", "worker"])
            #expect(alpha.version == "test")
            #expect(alpha.startedAt == t0)
            #expect(alpha.stoppedAt == nil)

            #expect(try await store.heartbeat(instanceId: "alpha", now: at(10), leaseUntil: at(40)).isEmpty)
            try await store.markInstanceStopped(instanceId: "beta", now: at(11))
            listed = try await store.listInstances()
            #expect(listed.first { $0.id == "alpha" }?.heartbeatAt == at(10))
            #expect(listed.first { $0.id == "beta" }?.stoppedAt == at(11))
        },

        StoreConformanceCase("heartbeat renews the leases of the instance's running executions") { store in
            try await store.registerInstance(instance("worker-a", at: t0))
            try await store.registerInstance(instance("worker-b", at: t0))
            let job = try await store.createJob(try manualSpec("leased", maxInstances: 2), now: t0)
            let mine = try await store.trigger(jobId: job.id, now: at(0))
            _ = try await store.claimExecutions(instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30))
            let theirs = try await store.trigger(jobId: job.id, now: at(1))
            _ = try await store.claimExecutions(instanceId: "worker-b", now: at(1), horizon: at(1), limit: 1, leaseUntil: at(31))

            #expect(try await store.heartbeat(instanceId: "worker-a", now: at(20), leaseUntil: at(50)).isEmpty)
            #expect(try await store.execution(id: mine.id)?.leaseExpiresAt == at(50))
            #expect(try await store.execution(id: theirs.id)?.leaseExpiresAt == at(31), "another instance's lease is untouched")

            let reaped = try await store.reapExpiredLeases(now: at(45), deadAfter: 3600, limit: 10)
            #expect(reaped.map(\.id) == [theirs.id], "only the lease that was not renewed expired")
            #expect(try await store.execution(id: mine.id)?.status == .running)
        },

        StoreConformanceCase("reaping without retries left fails the attempt as worker lost") { store in
            try await store.registerInstance(instance("worker-a", at: t0))
            try await store.registerInstance(instance("worker-b", at: t0))
            let job = try await store.createJob(try manualSpec("orphan"), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            _ = try await claimAndStart(store, instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30))
            _ = try await store.heartbeat(instanceId: "worker-b", now: at(30), leaseUntil: at(60))

            #expect(try await store.reapExpiredLeases(now: at(29), deadAfter: 3600, limit: 10).isEmpty, "lease still valid")
            let reaped = try await store.reapExpiredLeases(now: at(31), deadAfter: 20, limit: 10)
            let execution = try #require(reaped.first)
            #expect(reaped.count == 1)
            #expect(execution.id == queued.id)
            #expect(execution.status == .failed)
            #expect(execution.error?.reason == ExecutionError.workerLost)
            #expect(execution.error?.message.contains("worker-a") == true, "the message names the instance")
            #expect(execution.attempt == 1)
            let stored = try #require(try await store.execution(id: queued.id))
            #expect(stored.status == .failed)
            #expect(stored.error?.reason == ExecutionError.workerLost)
            #expect(stored.leaseExpiresAt == nil)
            #expect(stored.finishedAt == at(31))
            #expect(try await store.job(id: job.id)?.lastStatus == .failed)

            let instances = try await store.listInstances()
            #expect(instances.first { $0.id == "worker-a" }?.stoppedAt == at(31), "silent for more than deadAfter")
            #expect(instances.first { $0.id == "worker-b" }?.stoppedAt == nil, "heartbeat within deadAfter")
            #expect(try await store.reapExpiredLeases(now: at(100), deadAfter: 20, limit: 10).isEmpty, "reaped once")
        },

        StoreConformanceCase("a reaper spares the expired leases of its own instance") { store in
            let job = try await store.createJob(try manualSpec("own"), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            _ = try await claimAndStart(store, instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30))
            #expect(try await store.reapExpiredLeases(now: at(31), deadAfter: 3600, limit: 10, sparing: "worker-a").isEmpty)
            #expect(try await store.execution(id: queued.id)?.status == .running)
            let reaped = try await store.reapExpiredLeases(now: at(31), deadAfter: 3600, limit: 10, sparing: "worker-b")
            #expect(reaped.map(\.id) == [queued.id], "another instance reaps it")
        },

        StoreConformanceCase("reaping with retries left re-queues the next attempt with backoff") { store in
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 5, max: 60, multiplier: 2), jitter: false)
            let job = try await store.createJob(try manualSpec("resilient", retry: retry), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            _ = try await claimAndStart(store, instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30))

            let first = try #require(try await store.reapExpiredLeases(now: at(31), deadAfter: 3600, limit: 10).first)
            #expect(first.status == .queued)
            #expect(first.attempt == 2)
            #expect(first.runAfter == at(36), "5 s backoff after the first attempt")
            #expect(first.error?.reason == ExecutionError.workerLost)
            #expect(first.instanceId == nil)
            #expect(try await store.execution(id: queued.id)?.status == .queued)
            #expect(try await store.execution(id: queued.id)?.attempt == 2)

            let second = try #require(try await claimAndStart(store, instanceId: "worker-b", now: at(36), horizon: at(36), limit: 1, leaseUntil: at(66)).first)
            #expect(second.execution.attempt == 2)
            let secondReap = try #require(try await store.reapExpiredLeases(now: at(70), deadAfter: 3600, limit: 10).first)
            #expect(secondReap.status == .queued)
            #expect(secondReap.attempt == 3)
            #expect(secondReap.runAfter == at(80), "10 s backoff after the second attempt")

            _ = try await claimAndStart(store, instanceId: "worker-c", now: at(80), horizon: at(80), limit: 1, leaseUntil: at(110))
            let last = try #require(try await store.reapExpiredLeases(now: at(111), deadAfter: 3600, limit: 10).first)
            #expect(last.status == .failed, "no retries left after attempt 3")
            #expect(last.attempt == 3)
            #expect(try await store.execution(id: queued.id)?.status == .failed)
        },

        StoreConformanceCase("reaping is bounded by its limit, oldest lease first") { store in
            let job = try await store.createJob(try manualSpec("many", maxInstances: 5), now: t0)
            for second in 0..<5 {
                _ = try await store.trigger(jobId: job.id, now: at(Double(second)))
                _ = try await claimAndStart(store, instanceId: "worker-a", now: at(Double(second)), horizon: at(Double(second)), limit: 1, leaseUntil: at(Double(30 + second)))
            }
            let first = try await store.reapExpiredLeases(now: at(100), deadAfter: 3600, limit: 2)
            #expect(first.count == 2)
            let second = try await store.reapExpiredLeases(now: at(100), deadAfter: 3600, limit: 10)
            #expect(second.count == 3)
            #expect(Set((first + second).map(\.id)).count == 5)
            #expect(try await store.executionCounts()[.failed] == 5)
        },
    ]
}

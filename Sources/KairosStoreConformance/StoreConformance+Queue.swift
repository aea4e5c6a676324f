import Foundation
import KairosCore
import KairosStore
import Testing

extension StoreConformance {
    static let queueCases: [StoreConformanceCase] = [
        StoreConformanceCase("claims: highest priority first, then earliest runAfter; future runs wait") { store in
            let low = try await store.createJob(try manualSpec("low", priority: 0), now: t0)
            let highLate = try await store.createJob(try manualSpec("high.late", priority: 5), now: t0)
            let highEarly = try await store.createJob(try manualSpec("high.early", priority: 5), now: t0)
            let future = try await store.createJob(try manualSpec("future", priority: 100), now: t0)
            let e1 = try await store.trigger(jobId: low.id, now: at(0))
            let e2 = try await store.trigger(jobId: highLate.id, now: at(2))
            let e3 = try await store.trigger(jobId: highEarly.id, now: at(1))
            _ = try await store.trigger(jobId: future.id, now: at(60))
            #expect(try await store.queueDepth(now: at(10)) == 3)
            #expect(try await store.earliestQueued() == at(0))

            var order: [UUID] = []
            for _ in 0..<4 {
                let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(10), horizon: at(10), limit: 1, leaseUntil: at(40))
                #expect(claimed.count <= 1)
                order += claimed.map(\.execution.id)
            }
            #expect(order == [e3.id, e2.id, e1.id])
            #expect(try await store.queueDepth(now: at(10)) == 0)
            #expect(try await store.queueDepth(now: at(60)) == 1)
            #expect(try await store.earliestQueued() == at(60))
        },

        StoreConformanceCase("claims: running state, lease, instance and job are returned") { store in
            let job = try await store.createJob(try manualSpec("claimed", priority: 2), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(1))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(1), horizon: at(1), limit: 5, leaseUntil: at(31))
            let first = try #require(claimed.first)
            #expect(claimed.count == 1)
            #expect(first.job.id == job.id)
            #expect(first.job.spec == job.spec)
            #expect(first.execution.id == queued.id)
            #expect(first.execution.status == .running)
            #expect(first.execution.instanceId == "worker-a")
            #expect(first.execution.leaseExpiresAt == at(31))
            #expect(first.execution.attempt == 1)
            let stored = try #require(try await store.execution(id: queued.id))
            #expect(stored.status == .running)
            #expect(stored.instanceId == "worker-a")
            #expect(stored.leaseExpiresAt == at(31))
            #expect(try await store.executionCounts()[.running] == 1)
            #expect(try await store.earliestQueued() == nil)
        },

        StoreConformanceCase("maxInstances is respected across claims; waiting executions stay queued") { store in
            let job = try await store.createJob(try manualSpec("limited", maxInstances: 2), now: t0)
            let other = try await store.createJob(try manualSpec("other", priority: -1), now: t0)
            for second in 0..<4 { _ = try await store.trigger(jobId: job.id, now: at(Double(second))) }
            let otherRun = try await store.trigger(jobId: other.id, now: at(5))

            let first = try await store.claimExecutions(instanceId: "worker-a", now: at(10), horizon: at(10), limit: 10, leaseUntil: at(40))
            #expect(first.filter { $0.job.id == job.id }.count == 2, "two of four, its maxInstances")
            #expect(first.contains { $0.execution.id == otherRun.id }, "a job at its limit does not block others")
            let second = try await store.claimExecutions(instanceId: "worker-b", now: at(10), horizon: at(10), limit: 10, leaseUntil: at(40))
            #expect(second.isEmpty, "running executions of another claim count")
            #expect(try await store.queueDepth(now: at(10)) == 2, "the waiting ones stay queued")

            let done = try #require(first.first { $0.job.id == job.id })
            try await store.complete([completion(done, startedAt: at(10), finishedAt: at(11), .succeeded(result: nil))], now: at(11))
            let third = try await store.claimExecutions(instanceId: "worker-b", now: at(12), horizon: at(12), limit: 10, leaseUntil: at(42))
            #expect(third.count == 1)
            #expect(third.first?.job.id == job.id)
            #expect(try await store.executionCounts()[.running] == 3)
        },

        StoreConformanceCase("maxInstances: a long run of waiting executions does not hide runnable ones behind it") { store in
            let busy = try await store.createJob(try manualSpec("busy", priority: 10, maxInstances: 1), now: t0)
            let other = try await store.createJob(try manualSpec("other", priority: 0), now: t0)
            for index in 0..<150 { _ = try await store.trigger(jobId: busy.id, now: at(Double(index) / 100)) }
            let otherRun = try await store.trigger(jobId: other.id, now: at(2))
            let first = try await store.claimExecutions(instanceId: "worker-a", now: at(10), horizon: at(10), limit: 1, leaseUntil: at(40))
            #expect(first.map(\.job.id) == [busy.id])
            let second = try await store.claimExecutions(instanceId: "worker-a", now: at(10), horizon: at(10), limit: 1, leaseUntil: at(40))
            #expect(second.map(\.execution.id) == [otherRun.id], "found past the 149 waiting executions of the busy job")
            #expect(try await store.queueDepth(now: at(10)) == 149)
        },

        StoreConformanceCase("complete: succeeded, failed for good, released") { store in
            let job = try await store.createJob(try manualSpec("outcomes", maxInstances: 3), now: t0)
            let a = try await store.trigger(jobId: job.id, now: at(0))
            let b = try await store.trigger(jobId: job.id, now: at(1))
            let c = try await store.trigger(jobId: job.id, now: at(2))
            let claimed = try await store.claimExecutions(instanceId: "worker-a", now: at(5), horizon: at(5), limit: 3, leaseUntil: at(35))
            #expect(claimed.count == 3)
            let byId = Dictionary(uniqueKeysWithValues: claimed.map { ($0.execution.id, $0) })
            let ignored = try await store.complete(
                [
                    completion(try #require(byId[a.id]), startedAt: at(5), finishedAt: at(6.25), .succeeded(result: "HTTP 200")),
                    completion(
                        try #require(byId[b.id]), startedAt: at(5), finishedAt: at(7),
                        .failed(ExecutionError(reason: ExecutionError.exception, message: "boom"), result: "exit 3", retryAt: nil)),
                    completion(try #require(byId[c.id]), startedAt: at(5), finishedAt: at(8), .released(runAfter: at(20))),
                ], now: at(8))
            #expect(ignored.isEmpty)

            let succeeded = try #require(try await store.execution(id: a.id))
            #expect(succeeded.status == .succeeded)
            #expect(succeeded.result == "HTTP 200")
            #expect(succeeded.startedAt == at(5))
            #expect(succeeded.finishedAt == at(6.25))
            #expect(succeeded.durationMs == 1250)
            #expect(succeeded.error == nil)
            #expect(succeeded.leaseExpiresAt == nil)
            #expect(succeeded.instanceId == "worker-a")

            let failed = try #require(try await store.execution(id: b.id))
            #expect(failed.status == .failed)
            #expect(failed.error == ExecutionError(reason: ExecutionError.exception, message: "boom"))
            #expect(failed.result == "exit 3")
            #expect(failed.attempt == 1)

            let released = try #require(try await store.execution(id: c.id))
            #expect(released.status == .queued)
            #expect(released.runAfter == at(20))
            #expect(released.attempt == 1, "a release is not an attempt")
            #expect(released.instanceId == nil)
            #expect(released.leaseExpiresAt == nil)

            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.lastStatus == .failed || stored.lastStatus == .succeeded)
            #expect(stored.lastRunAt == at(5))
            #expect(stored.version == job.version, "outcomes do not change the job's version")
            #expect(try await store.claimExecutions(instanceId: "worker-a", now: at(19), horizon: at(19), limit: 3, leaseUntil: at(50)).isEmpty)
            #expect(try await store.claimExecutions(instanceId: "worker-a", now: at(20), horizon: at(20), limit: 3, leaseUntil: at(50)).map(\.execution.id) == [c.id])
        },

        StoreConformanceCase("complete: a failure with retryAt re-queues the next attempt") { store in
            let job = try await store.createJob(try manualSpec("flaky"), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            let first = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30)).first)
            let failure = ExecutionError(reason: ExecutionError.timeout, message: "no answer in 5 s")
            try await store.complete(
                [completion(first, startedAt: at(0), finishedAt: at(5), .failed(failure, result: nil, retryAt: at(15)))], now: at(5))
            let requeued = try #require(try await store.execution(id: queued.id))
            #expect(requeued.status == .queued)
            #expect(requeued.attempt == 2)
            #expect(requeued.runAfter == at(15))
            #expect(requeued.error == failure, "the failed attempt's error is kept")
            #expect(requeued.startedAt == at(0))
            #expect(requeued.finishedAt == at(5))
            #expect(requeued.leaseExpiresAt == nil)
            #expect(try await store.job(id: job.id)?.lastStatus == nil, "not a final outcome")

            #expect(try await store.claimExecutions(instanceId: "worker-b", now: at(14), horizon: at(14), limit: 1, leaseUntil: at(44)).isEmpty)
            let second = try #require(try await store.claimExecutions(instanceId: "worker-b", now: at(15), horizon: at(15), limit: 1, leaseUntil: at(45)).first)
            #expect(second.execution.id == queued.id)
            #expect(second.execution.attempt == 2)
            #expect(second.execution.instanceId == "worker-b")
            try await store.complete([completion(second, instance: "worker-b", startedAt: at(15), finishedAt: at(16), .succeeded(result: "ok"))], now: at(16))
            let done = try #require(try await store.execution(id: queued.id))
            #expect(done.status == .succeeded)
            #expect(done.attempt == 2)
            #expect(done.error == nil)
            #expect(done.instanceId == "worker-b")
            let stored = try #require(try await store.job(id: job.id))
            #expect(stored.lastStatus == .succeeded)
            #expect(stored.lastRunAt == at(15))
        },

        StoreConformanceCase("complete: an outcome from a stale instance or attempt is ignored") { store in
            let job = try await store.createJob(try manualSpec("contended", retry: try RetryPolicy(maxRetries: 3, backoff: .init(initial: 0, max: 0), jitter: false)), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            let byA = try #require(try await claimAndStart(store, instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30)).first)
            let reaped = try await store.reapExpiredLeases(now: at(31), deadAfter: 3600, limit: 10)
            #expect(reaped.map(\.id) == [queued.id])
            #expect(reaped.first?.status == .queued)
            let byB = try #require(try await store.claimExecutions(instanceId: "worker-b", now: at(31), horizon: at(31), limit: 1, leaseUntil: at(61)).first)
            #expect(byB.execution.attempt == 2)

            let ignored = try await store.complete([completion(byA, startedAt: at(0), finishedAt: at(40), .succeeded(result: "late"))], now: at(40))
            #expect(ignored == [queued.id])
            var wrongAttempt = completion(byB, instance: "worker-b", startedAt: at(31), finishedAt: at(41), .succeeded(result: "x"))
            wrongAttempt.attempt = 1
            #expect(try await store.complete([wrongAttempt], now: at(41)) == [queued.id])
            let unknown = Completion(executionId: UUID(), instanceId: "worker-b", attempt: 1, startedAt: at(0), finishedAt: at(1), outcome: .succeeded(result: nil))
            #expect(try await store.complete([unknown], now: at(41)) == [unknown.executionId])

            let stored = try #require(try await store.execution(id: queued.id))
            #expect(stored.status == .running)
            #expect(stored.instanceId == "worker-b")
            #expect(stored.result == nil)
            #expect(try await store.complete([], now: at(42)).isEmpty)
        },

        StoreConformanceCase("every attempt is kept: a failure and a lost worker retried, then a success") { store in
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 5, max: 60, multiplier: 2), jitter: false)
            let job = try await store.createJob(try manualSpec("kept", retry: retry), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            #expect(try await store.execution(id: queued.id)?.attempts.isEmpty == true, "nothing ran yet")

            let first = try #require(try await claimAndStart(store, instanceId: "worker-a", now: at(0), horizon: at(0), limit: 1, leaseUntil: at(30)).first)
            let timeout = ExecutionError(reason: ExecutionError.timeout, message: "no answer in 5 s")
            try await store.complete([completion(first, startedAt: at(0), finishedAt: at(5), .failed(timeout, result: "partial", retryAt: at(10)))], now: at(5))
            let waiting = try #require(try await store.execution(id: queued.id))
            #expect(waiting.earlierAttempts == [
                ExecutionAttempt(attempt: 1, status: .failed, instanceId: "worker-a", startedAt: at(0), finishedAt: at(5), durationMs: 5000, error: timeout, result: "partial")
            ])
            #expect(waiting.error == timeout, "while it waits for its retry, it says why")

            _ = try #require(try await claimAndStart(store, instanceId: "worker-b", now: at(10), horizon: at(10), limit: 1, leaseUntil: at(40)).first)
            let running = try #require(try await store.execution(id: queued.id))
            #expect(running.status == .running && running.attempt == 2)
            #expect(running.error == nil && running.result == nil && running.finishedAt == nil, "attempt 2 does not show attempt 1's outcome")
            #expect(running.startedAt == at(10))
            #expect(running.attempts.map(\.attempt) == [1, 2])
            #expect(running.attempts.last?.status == .running)

            let lost = try #require(try await store.reapExpiredLeases(now: at(41), deadAfter: 3600, limit: 10).first)
            #expect(lost.status == .queued && lost.attempt == 3)
            let third = try #require(try await claimAndStart(store, instanceId: "worker-c", now: at(51), horizon: at(51), limit: 1, leaseUntil: at(81)).first)
            try await store.complete([completion(third, instance: "worker-c", startedAt: at(51), finishedAt: at(52), .succeeded(result: "ok"))], now: at(52))

            let done = try #require(try await store.execution(id: queued.id))
            #expect(done.status == .succeeded && done.error == nil)
            let attempts = done.attempts
            #expect(attempts.map(\.attempt) == [1, 2, 3])
            #expect(attempts.map(\.instanceId) == ["worker-a", "worker-b", "worker-c"])
            #expect(attempts.map(\.status) == [.failed, .failed, .succeeded])
            #expect(attempts.map(\.error?.reason) == [ExecutionError.timeout, ExecutionError.workerLost, nil])
            #expect(attempts[1].startedAt == at(10) && attempts[1].finishedAt == at(41) && attempts[1].durationMs == 31_000)
            #expect(attempts[2].startedAt == at(51) && attempts[2].durationMs == 1000 && attempts[2].result == "ok")
            let listed = try #require(try await store.history(HistoryQuery(jobId: job.id)).items.first)
            #expect(listed.attempts == attempts, "history reads them too")
        },

        StoreConformanceCase("cancel: queued and running executions") { store in
            let job = try await store.createJob(try manualSpec("cancellable", maxInstances: 2), now: t0)
            let queued = try await store.trigger(jobId: job.id, now: at(0))
            let cancelled = try await store.cancel(executionId: queued.id, now: at(1))
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.error?.reason == ExecutionError.cancelled)
            #expect(cancelled.finishedAt == at(1))
            #expect(try await store.execution(id: queued.id)?.status == .cancelled)
            #expect(try await store.claimExecutions(instanceId: "worker-a", now: at(5), horizon: at(5), limit: 5, leaseUntil: at(35)).isEmpty)
            await expectStoreError(.invalidState, "cancel a cancelled execution") { try await store.cancel(executionId: queued.id, now: at(2)) }
            await expectStoreError(.notFound, "cancel an unknown execution") { try await store.cancel(executionId: UUID(), now: at(2)) }

            try await store.registerInstance(instance("worker-a", at: t0))
            let running = try await store.trigger(jobId: job.id, now: at(3))
            let claimed = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(3), horizon: at(3), limit: 5, leaseUntil: at(33)).first)
            #expect(try await store.heartbeat(instanceId: "worker-a", now: at(4), leaseUntil: at(34)).isEmpty)
            try await store.recordStarts([AttemptStart(executionId: running.id, instanceId: "worker-a", attempt: 1, startedAt: at(3))])
            let stopped = try await store.cancel(executionId: running.id, now: at(5))
            #expect(stopped.status == .cancelled)
            #expect(stopped.error?.reason == ExecutionError.cancelled)
            #expect(stopped.startedAt == at(3) && stopped.finishedAt == at(5) && stopped.durationMs == 2000, "timed up to the cancel until the worker reports")
            #expect(try await store.execution(id: running.id)?.durationMs == 2000)
            #expect(try await store.heartbeat(instanceId: "worker-a", now: at(6), leaseUntil: at(36)) == [running.id], "the worker learns it at its next heartbeat")
            #expect(try await store.executionCounts()[.running] == 0)
            let ignored = try await store.complete([completion(claimed, startedAt: at(3), finishedAt: at(7), .succeeded(result: "done"))], now: at(7))
            #expect(ignored == [running.id], "the completion of a cancelled attempt is ignored")
            let acknowledged = try #require(try await store.execution(id: running.id))
            #expect(acknowledged.status == .cancelled)
            #expect(acknowledged.error?.reason == ExecutionError.cancelled)
            #expect(acknowledged.startedAt == at(3) && acknowledged.finishedAt == at(7) && acknowledged.durationMs == 4000, "the attempt's own timing, as its worker reports it")
            #expect(acknowledged.result == "done")
            #expect(try await store.heartbeat(instanceId: "worker-a", now: at(8), leaseUntil: at(38)).isEmpty, "reported once it is acknowledged")

            let finished = try await store.trigger(jobId: job.id, now: at(9))
            let finishedClaim = try #require(try await store.claimExecutions(instanceId: "worker-a", now: at(9), horizon: at(9), limit: 5, leaseUntil: at(39)).first)
            try await store.complete([completion(finishedClaim, startedAt: at(9), finishedAt: at(10), .succeeded(result: nil))], now: at(10))
            await expectStoreError(.invalidState, "cancel a succeeded execution") { try await store.cancel(executionId: finished.id, now: at(11)) }
        },
    ]
}

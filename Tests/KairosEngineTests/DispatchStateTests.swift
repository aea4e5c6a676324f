import Foundation
import KairosCore
import KairosStore
import Testing

@testable import KairosEngine

/// The worker pool's decisions, driven with explicit instants: no clock, no sleeping.
@Suite("Worker dispatch decisions")
struct DispatchStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func claimed(_ key: String, runAfter: Date, priority: Int = 0, retry: RetryPolicy = .none, attempt: Int = 1) throws -> ClaimedExecution {
        let spec = try JobSpec(key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1)), priority: priority, retry: retry)
        let job = Job(id: UUID(), spec: spec, nextRunAt: nil, createdAt: t0, updatedAt: t0)
        let execution = Execution(
            jobId: job.id, jobKey: key, trigger: .scheduled, status: .running, scheduledAt: runAfter, runAfter: runAfter,
            priority: priority, attempt: attempt, createdAt: t0)
        return ClaimedExecution(execution: execution, job: job)
    }

    @Test("due work is claimed only up to the free slots; the backlog stays in the store")
    func dueClaimBoundedBySlots() throws {
        var state = DispatchState(capacity: 4, claimBatchSize: 1000, prefetchLimit: 10_000, lookahead: 0.5)
        #expect(state.dueClaim(now: t0) == .init(horizon: t0, limit: 4))
        state.received([try claimed("a", runAfter: t0), try claimed("b", runAfter: t0)])
        #expect(state.dueClaim(now: t0)?.limit == 2)
        _ = state.nextToStart(now: t0)
        #expect(state.dueClaim(now: t0)?.limit == 2)  // one running, one due in the buffer
    }

    @Test("quick executions let the pool hold a due backlog of about 50 ms of work; slow ones do not")
    func dueBacklogFollowsPace() throws {
        var state = DispatchState(capacity: 4, claimBatchSize: 1000, prefetchLimit: 10_000, lookahead: 0.5)
        #expect(state.dueClaim(now: t0)?.limit == 4, "unknown pace: only the free slots")
        for _ in 0..<80 {
            state.received([try claimed("quick", runAfter: t0)])
            _ = state.nextToStart(now: t0)
            state.finished(after: 0.000_1)
        }
        #expect(state.dueClaim(now: t0)?.limit == 1000, "0.1 ms per execution: a whole claim batch")
        for _ in 0..<40 {
            state.received([try claimed("slow", runAfter: t0)])
            _ = state.nextToStart(now: t0)
            state.finished(after: 10)
        }
        #expect(state.dueClaim(now: t0)?.limit == 4, "10 s per execution: only the free slots")
    }

    @Test("prefetch claims the look-ahead window in batches up to the prefetch limit")
    func prefetch() throws {
        var state = DispatchState(capacity: 4, claimBatchSize: 1000, prefetchLimit: 1500, lookahead: 0.5)
        #expect(state.prefetchClaim(now: t0) == .init(horizon: t0 + 0.5, limit: 1000))
        state.received(try (0..<1200).map { try claimed("j\($0)", runAfter: t0 + 0.4) })
        #expect(state.prefetchClaim(now: t0)?.limit == 300)
        #expect(state.nextToStart(now: t0) == nil)  // not due yet
        #expect(state.nextDeadline() == t0 + 0.4)
    }

    @Test("with every slot busy nothing is prefetched, so queued work keeps its priority order in the store")
    func noPrefetchWhenBusy() throws {
        var state = DispatchState(capacity: 1, claimBatchSize: 100, prefetchLimit: 100, lookahead: 0.5)
        state.received([try claimed("running", runAfter: t0)])
        _ = state.nextToStart(now: t0)
        #expect(state.dueClaim(now: t0) == nil)
        #expect(state.prefetchClaim(now: t0) == nil)
        state.finished(after: 1)
        #expect(state.prefetchClaim(now: t0) != nil)
    }

    @Test("a burst starts at its time, highest priority first, never more than the capacity")
    func burstOrder() throws {
        var state = DispatchState(capacity: 2, claimBatchSize: 100, prefetchLimit: 100, lookahead: 1)
        state.received([
            try claimed("low", runAfter: t0 + 1, priority: 0), try claimed("high", runAfter: t0 + 1, priority: 5),
            try claimed("earlier", runAfter: t0 + 0.5, priority: -1),
        ])
        #expect(state.nextToStart(now: t0 + 0.4) == nil)
        #expect(state.nextToStart(now: t0 + 1)?.execution.jobKey == "earlier")
        #expect(state.nextToStart(now: t0 + 1)?.execution.jobKey == "high")
        #expect(state.nextToStart(now: t0 + 1) == nil)  // both slots busy
        #expect(state.nextDeadline() == nil)
        #expect(state.finished(after: 1, thenNextAt: t0 + 1)?.execution.jobKey == "low", "a finishing worker takes the next due execution")
        #expect(state.inFlight == 2)
        #expect(state.finished(after: 1, thenNextAt: t0 + 1) == nil)
        #expect(state.inFlight == 1)
    }

    @Test("batches arriving out of order are merged into runAfter-then-priority order")
    func mergeOrder() throws {
        var state = DispatchState(capacity: 10, claimBatchSize: 100, prefetchLimit: 100, lookahead: 1)
        state.received([try claimed("t2", runAfter: t0 + 0.2), try claimed("t1", runAfter: t0 + 0.1)])
        state.received([try claimed("t3", runAfter: t0 + 0.3)])  // in order: appended
        state.received([try claimed("t0", runAfter: t0), try claimed("t1-high", runAfter: t0 + 0.1, priority: 9)])  // out of order
        var started: [String] = []
        while let next = state.nextToStart(now: t0 + 1) { started.append(next.execution.jobKey) }
        #expect(started == ["t0", "t1-high", "t1", "t2", "t3"])
    }

    @Test("dropping removes only matching claimed executions that have not started; the running count stays")
    func drop() throws {
        var state = DispatchState(capacity: 1, claimBatchSize: 100, prefetchLimit: 100, lookahead: 1)
        state.received([try claimed("a", runAfter: t0), try claimed("b", runAfter: t0 + 0.5), try claimed("c", runAfter: t0 + 0.6)])
        _ = state.nextToStart(now: t0)
        state.drop { $0.execution.jobKey == "a" || $0.execution.jobKey == "b" }
        #expect(state.inFlight == 1, "a runs on")
        #expect(state.buffered == 1)
        state.finished(after: 0.01)
        #expect(state.nextToStart(now: t0 + 1)?.execution.jobKey == "c")
    }

    @Test("shutdown stops claims and starts and hands back what never started")
    func shutdown() throws {
        var state = DispatchState(capacity: 2, claimBatchSize: 100, prefetchLimit: 100, lookahead: 1)
        state.received([try claimed("a", runAfter: t0), try claimed("b", runAfter: t0 + 0.5), try claimed("c", runAfter: t0 + 0.6)])
        _ = state.nextToStart(now: t0)
        let unstarted = state.shutdown()
        #expect(unstarted.map(\.execution.jobKey) == ["b", "c"])
        #expect(state.dueClaim(now: t0) == nil)
        #expect(state.prefetchClaim(now: t0) == nil)
        #expect(state.nextToStart(now: t0 + 1) == nil)
        #expect(state.inFlight == 1)
    }

    @Test("a failed attempt is retried with capped exponential backoff while retries remain", arguments: [
        (1, 2.0), (2, 4.0), (3, 8.0), (4, nil as Double?),
    ])
    func retryDecision(attempt: Int, delay: Double?) throws {
        let retry = try RetryPolicy(maxRetries: 3, backoff: .init(initial: 2, max: 60, multiplier: 2), jitter: false)
        let item = try claimed("flaky", runAfter: t0, retry: retry, attempt: attempt)
        let completion = AttemptDecision.completion(
            for: item, instanceId: "i1", startedAt: t0, finishedAt: t0 + 1,
            result: .failure(ExecutionError(reason: "exception", message: "boom")), jitterFraction: .random(in: 0...1))
        guard case .failed(let error, _, let retryAt) = completion.outcome else {
            Issue.record("expected a failure, got \(completion.outcome)")
            return
        }
        #expect(error.reason == "exception")
        #expect(retryAt == delay.map { t0 + 1 + $0 })
    }

    @Test("an attempt stopped by a cancel request is never retried, whatever the retry policy")
    func cancelIsNotRetried() throws {
        let retry = try RetryPolicy(maxRetries: 3, backoff: .init(initial: 2, max: 60, multiplier: 2), jitter: false)
        let item = try claimed("cancelled", runAfter: t0, retry: retry, attempt: 1)
        let completion = AttemptDecision.completion(
            for: item, instanceId: "i1", startedAt: t0, finishedAt: t0 + 1,
            result: .failure(ExecutionError(reason: ExecutionError.cancelled, message: "cancelled on request")), cancelledOnRequest: true,
            jitterFraction: 0.5)
        guard case .failed(let error, _, let retryAt) = completion.outcome else {
            Issue.record("expected a final outcome, got \(completion.outcome)")
            return
        }
        #expect(error.reason == ExecutionError.cancelled)
        #expect(retryAt == nil)
    }

    @Test("full jitter keeps the retry delay between 0 and the capped delay")
    func retryJitter() throws {
        let retry = try RetryPolicy(maxRetries: 5, backoff: .init(initial: 10, max: 15, multiplier: 3), jitter: true)
        for attempt in 1...5 {
            let item = try claimed("flaky", runAfter: t0, retry: retry, attempt: attempt)
            let completion = AttemptDecision.completion(
                for: item, instanceId: "i1", startedAt: t0, finishedAt: t0,
                result: .failure(ExecutionError(reason: "exception", message: "boom")), jitterFraction: .random(in: 0...1))
            guard case .failed(_, _, let retryAt?) = completion.outcome else {
                Issue.record("expected a retry")
                return
            }
            #expect(retryAt >= t0 && retryAt <= t0 + (attempt == 1 ? 10 : 15))
        }
    }
}

@Suite("Dispatch: when the loop sleeps")
struct DispatchSleepTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("with nothing buffered it sleeps until the next queued execution's claim time, capped by the idle poll")
    func untilTheNextQueued() {
        let state = DispatchState(capacity: 2, claimBatchSize: 10, prefetchLimit: 100, lookahead: 0.5)
        #expect(state.sleepDeadline(now: now, nextQueued: now + 3, idlePollInterval: 5) == now + 2.5)
        #expect(state.sleepDeadline(now: now, nextQueued: now + 30, idlePollInterval: 5) == now + 5)
        #expect(state.sleepDeadline(now: now, nextQueued: nil, idlePollInterval: 5) == now + 5)
    }

    @Test("queued work the claims could not take is not a reason to poll: the loop sleeps until a signal or the idle poll")
    func blockedWorkDoesNotSpin() {
        // The store answers the earliest queued *after* the look-ahead the claims covered, so a
        // due execution blocked by maxInstances never makes the deadline `now`.
        let state = DispatchState(capacity: 2, claimBatchSize: 10, prefetchLimit: 100, lookahead: 0.5)
        let deadline = state.sleepDeadline(now: now, nextQueued: nil, idlePollInterval: 5)
        #expect(deadline > now, "never a busy loop")
    }
}

@Suite("Dispatch: graceful shutdown and claim backoff")
struct DispatchShutdownTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func running(_ count: Int) throws -> DispatchState {
        var state = DispatchState(capacity: 4, claimBatchSize: 10, prefetchLimit: 100, lookahead: 0)
        let job = try Job.created(
            try JobSpec(key: "j", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1)), maxInstances: 10), system: false, now: now)
        state.received((0..<count).map { index in
            ClaimedExecution(
                execution: Execution(
                    jobId: job.id, jobKey: "j", trigger: .manual, status: .running, scheduledAt: now, runAfter: now + Double(index) * 0.001,
                    createdAt: now),
                job: job)
        })
        for _ in 0..<count { _ = state.nextToStart(now: now + 1) }
        return state
    }

    @Test("drain until the grace ends, then cancel the running attempts once, then wait for them in real time; finished when none runs")
    func phases() throws {
        var state = try running(2)
        #expect(state.shutdownStep(now: now, cancelled: false) == nil, "no shutdown under way")
        #expect(state.beginShutdown(now: now, grace: 30)?.isEmpty == true, "nothing buffered to release")
        #expect(state.beginShutdown(now: now + 1, grace: 30) == nil, "begins once")
        #expect(state.dueClaim(now: now) == nil, "no claims while shutting down")
        #expect(state.shutdownStep(now: now + 10, cancelled: false) == .drain(until: now + 30))
        #expect(state.shutdownStep(now: now + 30, cancelled: false) == .cancelRunning)
        #expect(state.shutdownStep(now: now + 31, cancelled: false) == .awaitReturn(seconds: 0.25), "cancelled once")
        state.finished(after: 1)
        state.finished(after: 1)
        #expect(state.shutdownStep(now: now + 32, cancelled: false) == .finished)
    }

    @Test("a cancelled pool abandons what still runs")
    func cancelled() throws {
        var state = try running(1)
        _ = state.beginShutdown(now: now, grace: 30)
        #expect(state.shutdownStep(now: now, cancelled: true) == .abandon(patience: 5))
    }

    @Test("buffered executions that never started are handed back at the start of a shutdown")
    func releasesBuffered() throws {
        var state = DispatchState(capacity: 1, claimBatchSize: 10, prefetchLimit: 100, lookahead: 1)
        let job = try Job.created(try JobSpec(key: "k", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1))), system: false, now: now)
        state.received([ClaimedExecution(
            execution: Execution(jobId: job.id, jobKey: "k", trigger: .manual, status: .running, scheduledAt: now + 5, runAfter: now + 5, createdAt: now),
            job: job)])
        #expect(state.beginShutdown(now: now, grace: 30)?.count == 1)
        #expect(state.shutdownStep(now: now, cancelled: false) == .finished, "nothing was running")
    }

    @Test("claim failures back off 50 ms more each time, at most a second, and reset on success")
    func backoff() {
        var state = DispatchState(capacity: 1, claimBatchSize: 10, prefetchLimit: 100, lookahead: 0)
        #expect(state.claimFailed() == 0.05)
        #expect(state.claimFailed() == 0.1)
        for _ in 0..<30 { _ = state.claimFailed() }
        #expect(state.claimFailed() == 1)
        state.claimSucceeded()
        #expect(state.claimFailed() == 0.05)
    }
}

@Suite("Dispatch: local claims")
struct DispatchLocalClaimTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func buffered(_ state: inout DispatchState, due count: Int) throws {
        let job = try Job.created(try JobSpec(key: "k", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1))), system: false, now: now)
        state.received((0..<count).map { index in
            ClaimedExecution(
                execution: Execution(jobId: job.id, jobKey: "k", trigger: .manual, status: .running, scheduledAt: now, runAfter: now - Double(index) * 0.001, createdAt: now),
                job: job)
        })
    }

    @Test("quick work: the scheduler keeps feeding the pool while its due backlog is under the target")
    func quickWorkKeepsComing() throws {
        var state = DispatchState(capacity: 2, claimBatchSize: 1000, prefetchLimit: 5000, lookahead: 0.8)
        try buffered(&state, due: 60)
        // 50 quick executions run through the two slots: the recent pace is microseconds.
        for _ in 0..<50 { if state.nextToStart(now: now) != nil { state.finished(after: 0.000_01) } }
        #expect(state.buffered == 10)
        #expect(state.localClaimRoom(now: now) == 4990, "10 due buffered is far under the target for quick work")
    }

    @Test("slow work: no local claims once the slots are spoken for, so the backlog stays in the store")
    func slowWorkStaysInTheStore() throws {
        var state = DispatchState(capacity: 2, claimBatchSize: 1000, prefetchLimit: 5000, lookahead: 0.8)
        #expect(state.localClaimRoom(now: now) == 5000, "an idle pool takes up to the prefetch limit")
        try buffered(&state, due: 2)
        #expect(state.localClaimRoom(now: now) == 0)
    }
}

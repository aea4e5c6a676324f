import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import MemoryJobStore
import Synchronization
import Testing

/// Attempts run by the real engine on `MemoryJobStore` and a manual clock: timeouts, abandoned
/// tasks, cancel requests, retries, `maxInstances`, priority and graceful shutdown. A task that
/// runs for a while blocks on a ``Gate`` the test opens or sleeps on the engine's clock; the
/// test advances that clock when the engine waits and waits for its events (``ManualEngine``).
@Suite("Engine attempts on memory with a manual clock", .timeLimit(.minutes(1)))
struct EngineAttemptTests {
    let t0 = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z
    /// A date no test's clock reaches: a job with it only runs when triggered.
    var never: Schedule { .date(DateSchedule(runAt: t0 + 365 * 86_400)) }

    /// `test.sleep`: sleeps `seconds` on the engine's clock, honouring cancellation.
    static func registerSleep(_ tasks: inout TaskRegistry, clock: ManualClock) {
        tasks.register("test.sleep") { args, _ in
            try await clock.sleep(until: clock.now() + (args["seconds"]?.doubleValue ?? 0))
            return "slept"
        }
    }

    @Test("a task that outlives its timeout is cancelled at the timeout and the attempt fails with reason timeout")
    func timeout() async throws {
        let clock = ManualClock(t0)
        try await withManualEngine(clock: clock, register: { Self.registerSleep(&$0, clock: clock) }) { run in
            let job = try await run.engine.jobs.create(try JobSpec(key: "slow", task: "test.sleep", args: ["seconds": 30], schedule: never, timeout: 0.3))
            _ = try await run.engine.jobs.trigger(id: job.id)
            let startedAt = try #require(try await run.log.first("execution.started").execution?.startedAt)
            // The task sleeps for its 30 s; the pool's timer loop waits for the timeout.
            try await clock.sleeper(until: startedAt + 30)
            try await clock.sleeper(until: startedAt + 0.3)
            clock.advance(to: startedAt + 0.3)
            let failed = try #require(try await run.log.first("execution.failed").execution)
            #expect(failed.error?.reason == "timeout")
            #expect(failed.finishedAt == startedAt + 0.3, "stopped at its timeout, not when its sleep would end")
            try await run.shutDown()
            let stored = try #require(try await run.executions(of: job).first)
            #expect(stored.status == .failed)
            #expect(stored.error?.reason == "timeout")
        }
    }

    @Test("a task that ignores cancellation is abandoned after its timeout and its worker slot is given back")
    func abandoned() async throws {
        let clock = ManualClock(t0)
        let release = Gate()
        let sawCancellation = Gate()
        let returned = Gate()
        try await withManualEngine(clock: clock, workers: 1, register: { tasks in
            tasks.register("test.stubborn") { _, _ in
                // Swallows cancellation and keeps going until the test releases it.
                await release.waitIgnoringCancellation(cancelled: { sawCancellation.open() })
                returned.open()
                return "finished late"
            }
        }) { run in
            defer { release.open() }
            let stubborn = try await run.engine.jobs.create(try JobSpec(key: "stubborn", task: "test.stubborn", schedule: never, timeout: 0.2))
            let quick = try await run.engine.jobs.create(try JobSpec(key: "quick", task: "system.noop", schedule: never))
            _ = try await run.engine.jobs.trigger(id: stubborn.id)
            let startedAt = try #require(try await run.log.first("execution.started").execution?.startedAt)
            let timeoutAt = startedAt + 0.2
            try await clock.sleeper(until: timeoutAt)
            clock.advance(to: timeoutAt)
            try await sawCancellation.wait("the stubborn task to be cancelled at its timeout")
            // Abandoned `abandonAfter` (0.5 s) after the cancellation it ignores.
            try await clock.sleeper(until: timeoutAt + 0.5)
            #expect(run.log.count("execution.failed") == 0, "not given up on before abandonAfter")
            clock.advance(to: timeoutAt + 0.5)
            let failed = try #require(try await run.log.first("execution.failed", where: { $0.execution?.jobId == stubborn.id }).execution)
            #expect(failed.error?.reason == "timeout")
            #expect(failed.error?.message == "timed out after 0.2 s; abandoned after it ignored cancellation")
            #expect(failed.finishedAt == timeoutAt + 0.5)
            // The only slot is free again while the abandoned task is still running.
            _ = try await run.engine.jobs.trigger(id: quick.id)
            try await run.log.wait(for: "execution.succeeded", where: { $0.execution?.jobId == quick.id })
            #expect(!returned.isOpen)
            // When the abandoned task finally returns, nothing more is recorded.
            release.open()
            try await returned.wait("the abandoned task to return")
            try await run.shutDown()
            #expect(try await run.executions(of: stubborn).map(\.status) == [.failed])
            #expect(run.log.events.filter { $0.execution?.jobId == stubborn.id }.map(\.name) == ["execution.submitted", "execution.started", "execution.failed"])
        }
    }

    @Test("cancelling a running execution stops it; the next executions still run")
    func cancelRunning() async throws {
        let clock = ManualClock(t0)
        try await withManualEngine(clock: clock, workers: 1, register: { Self.registerSleep(&$0, clock: clock) }) { run in
            let slow = try await run.engine.jobs.create(try JobSpec(key: "slow", task: "test.sleep", args: ["seconds": 30], schedule: never))
            let quick = try await run.engine.jobs.create(try JobSpec(key: "quick", task: "system.noop", schedule: never))
            let execution = try await run.engine.jobs.trigger(id: slow.id)
            _ = try await run.log.first("execution.started")
            for _ in 0..<3 { _ = try await run.engine.jobs.trigger(id: quick.id) }
            try await run.store.until("the slow execution running") { try await $0.execution(id: execution.id)?.status == .running }
            _ = try await run.engine.jobs.cancel(executionId: execution.id)
            try await run.log.wait(for: "execution.succeeded", count: 3, where: { $0.execution?.jobId == quick.id })
            #expect(run.clock.now() == t0, "stopped on request, not by time")
            try await run.shutDown()
            #expect(try await run.executions(of: slow).map(\.status) == [.cancelled])
            #expect(try await run.executions(of: quick).map(\.status) == [.succeeded, .succeeded, .succeeded])
        }
    }

    @Test("a cancel is not a failure: a running attempt stopped on request is not retried and is reported cancelled", arguments: [false, true])
    func cancelIsNotAFailure(ignoresCancellation: Bool) async throws {
        let clock = ManualClock(t0)
        let release = Gate()
        let sawCancellation = Gate()
        try await withManualEngine(clock: clock, workers: 1, register: { registry in
            Self.registerSleep(&registry, clock: clock)
            registry.register("test.stubborn") { _, _ in
                await release.waitIgnoringCancellation(cancelled: { sawCancellation.open() })
                return nil
            }
        }) { run in
            defer { release.open() }
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 0.2, max: 1, multiplier: 2), jitter: false)
            let job = try await run.engine.jobs.create(
                try JobSpec(key: "slow", task: ignoresCancellation ? "test.stubborn" : "test.sleep", args: ["seconds": 30], schedule: never, retry: retry))
            let execution = try await run.engine.jobs.trigger(id: job.id)
            _ = try await run.log.first("execution.started")
            try await run.store.until("the execution running") { try await $0.execution(id: execution.id)?.status == .running }
            _ = try await run.engine.jobs.cancel(executionId: execution.id)
            if ignoresCancellation {
                // Abandoned `abandonAfter` (0.5 s) after the cancel it ignores.
                try await sawCancellation.wait("the stubborn task to see the cancel")
                try await clock.sleeper(until: t0 + 0.5)
                clock.advance(to: t0 + 0.5)
            }
            let cancelled = try await run.log.first("execution.cancelled")
            #expect(cancelled.execution?.status == .cancelled)
            #expect(cancelled.execution?.error?.reason == ExecutionError.cancelled)
            if ignoresCancellation {
                #expect(cancelled.execution?.error?.message == "cancelled on request; abandoned after it ignored cancellation")
            } else {
                #expect(cancelled.execution?.error?.message == "cancelled on request")
            }
            release.open()
            try await run.shutDown()
            #expect(run.log.events.map(\.name).filter { $0.hasPrefix("execution.") } == ["execution.submitted", "execution.started", "execution.cancelled"])
            let stored = try await run.executions(of: job)
            #expect(stored.map(\.status) == [.cancelled])
            #expect(stored.first?.attempt == 1, "not retried")
        }
    }

    @Test("a failing attempt is retried after its backoff and the retry can succeed")
    func retries() async throws {
        let attempts = Recorder<Int>()
        try await withManualEngine(clock: ManualClock(t0), register: { registry in
            registry.register("test.flaky") { _, context in
                attempts.append(context.attempt)
                if context.attempt == 1 { throw TaskFailure(message: "first attempt fails") }
                return "ok on attempt \(context.attempt)"
            }
        }) { run in
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 0.2, max: 1, multiplier: 2), jitter: false)
            let job = try await run.engine.jobs.create(try JobSpec(key: "flaky", task: "test.flaky", schedule: never, retry: retry))
            let execution = try await run.engine.jobs.trigger(id: job.id)
            let failure = try await run.log.first("execution.failed")
            guard case .executionFailed(let failed, let willRetry) = failure else {
                Issue.record("not a failure: \(failure)")
                return
            }
            #expect(willRetry)
            let retryAt = try #require(failed.finishedAt) + 0.2
            // Queued for the backoff's end — or already claimed ahead by the pool's prefetch
            // (the look-ahead covers 0.2 s), which may come before this check reads the store.
            try await run.store.until("the retry queued after the 0.2 s backoff") {
                let stored = try await $0.execution(id: execution.id)
                return (stored?.status == .queued || stored?.status == .running) && stored?.startedAt == nil && stored?.attempt == 2
                    && stored?.runAfter == retryAt
            }
            #expect(attempts.all == [1], "nothing runs before the backoff")
            run.clock.advance(to: retryAt)
            let succeeded = try #require(try await run.log.first("execution.succeeded").execution)
            #expect(succeeded.startedAt == retryAt)
            try await run.shutDown()
            let stored = try #require(try await run.executions(of: job).first)
            #expect(stored.status == .succeeded)
            #expect(stored.attempt == 2)
            #expect(stored.result == "ok on attempt 2")
            #expect(attempts.all == [1, 2])
        }
    }

    @Test("maxInstances: extra runs wait in the queue instead of running at once or failing")
    func maxInstances() async throws {
        let clock = ManualClock(t0)
        let running = Locked((now: 0, peak: 0))
        try await withManualEngine(clock: clock, register: { registry in
            registry.register("test.busy") { _, _ in
                running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                defer { running.withLock { $0.now -= 1 } }
                try await clock.sleep(until: clock.now() + 0.15)
                return nil
            }
        }) { run in
            let job = try await run.engine.jobs.create(try JobSpec(key: "busy", task: "test.busy", schedule: never, maxInstances: 1))
            for _ in 0..<3 { _ = try await run.engine.jobs.trigger(id: job.id) }
            var starts: [Date] = []
            for count in 1...3 {
                let startedAt = try #require(try await run.log.wait(for: "execution.started", count: count).last?.execution?.startedAt)
                starts.append(startedAt)
                // One run at a time: the next starts only after this one's 0.15 s on the clock.
                try await clock.sleeper(until: startedAt + 0.15)
                #expect(run.log.count("execution.started") == count)
                clock.advance(to: startedAt + 0.15)
                try await run.log.wait(for: "execution.succeeded", count: count)
            }
            #expect(starts == [t0, t0 + 0.15, t0 + 0.3], "each waited in the queue for the one before")
            try await run.shutDown()
            #expect(try await run.executions(of: job).filter { $0.status == .succeeded }.count == 3)
            #expect(running.withLock { $0.peak } == 1)
        }
    }

    @Test("when workers are saturated, higher priority runs first")
    func priority() async throws {
        let order = Recorder<String>()
        let gate = Gate()
        try await withManualEngine(clock: ManualClock(t0), workers: 1, register: { registry in
            registry.register("test.record") { args, context in
                order.append(context.jobKey)
                if args["blocks"]?.boolValue == true { try await gate.wait() }
                return nil
            }
        }) { run in
            defer { gate.open() }
            func job(_ key: String, priority: Int, args: JSONValue = [:]) async throws -> Job {
                try await run.engine.jobs.create(try JobSpec(key: key, task: "test.record", args: args, schedule: never, priority: priority))
            }
            let blocker = try await job("blocker", priority: 0, args: ["blocks": true])
            let low = try await job("low", priority: -5)
            let high = try await job("high", priority: 5)
            _ = try await run.engine.jobs.trigger(id: blocker.id)
            _ = try await run.log.first("execution.started")
            #expect(order.all == ["blocker"])
            _ = try await run.engine.jobs.trigger(id: low.id)
            _ = try await run.engine.jobs.trigger(id: high.id)
            gate.open()
            try await run.log.wait(for: "execution.succeeded", count: 3)
            #expect(order.all == ["blocker", "high", "low"])
        }
    }

    @Test("a running attempt shows its start time before it ends")
    func startedAtWhileRunning() async throws {
        let gate = Gate()
        try await withManualEngine(clock: ManualClock(t0), register: { tasks in
            tasks.register("test.blocked") { _, _ in try await gate.wait(); return nil }
        }) { run in
            defer { gate.open() }
            let job = try await run.engine.jobs.create(try JobSpec(key: "observed", task: "test.blocked", schedule: .interval(try IntervalSchedule(seconds: 1))))
            run.clock.advance(to: t0 + 1)
            _ = try await run.log.first("execution.started")
            try await run.store.until("the start recorded, within a flush") { try await $0.history(HistoryQuery(jobId: job.id)).items.first?.startedAt == t0 + 1 }
            #expect(try await run.executions(of: job).first?.status == .running)
            gate.open()
            try await run.log.wait(for: "execution.succeeded")
        }
    }

    @Test("graceful shutdown lets a running execution finish")
    func drain() async throws {
        let clock = ManualClock(t0)
        let gate = Gate()
        try await withManualEngine(clock: clock, register: { tasks in
            tasks.register("test.blocked") { _, _ in try await gate.wait(); return "drained" }
        }) { run in
            defer { gate.open() }
            let job = try await run.engine.jobs.create(try JobSpec(key: "drain", task: "test.blocked", schedule: never))
            _ = try await run.engine.jobs.trigger(id: job.id)
            let startedAt = try #require(try await run.log.first("execution.started").execution?.startedAt)
            async let stopped: Void = run.shutDown()
            // The pool drains: it waits for the attempt until the 2 s grace period ends.
            try await clock.sleeper(until: startedAt + 2)
            #expect(run.log.count("execution.succeeded") == 0)
            gate.open()
            try await stopped
            #expect(try await run.executions(of: job).map(\.status) == [.succeeded])
            #expect(try await run.store.listInstances().allSatisfy { $0.stoppedAt != nil })
            #expect(clock.now() == t0, "finished within the grace period")
        }
    }
}

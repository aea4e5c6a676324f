import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import Testing

/// The engine end to end on a real SQLite store and the system clock: a few cases that every
/// part (SQL, the batched writes, real timers) takes part in. Unlike the manual-clock suites,
/// these wait in real time — bounded polls of the store (`eventually`) and a task that really
/// sleeps; the behaviours themselves are specified, without real time, in
/// ``EngineMemoryTests`` and ``EngineAttemptTests``.
@Suite("Engine on SQLite in real time", .serialized, .timeLimit(.minutes(1)))
struct EngineTests {
    @Test("an interval job fires every second and every run is kept in history")
    func intervalRuns() async throws {
        try await withEngine { engine in
            let job = try await engine.jobs.create(try JobSpec(key: "tick", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1))))
            #expect(try await eventually { try await engine.executions(of: job).filter { $0.status == .succeeded }.count >= 2 })
            let runs = try await engine.executions(of: job)
            #expect(Set(runs.map(\.scheduledAt)).count == runs.count)
            for run in runs where run.status == .succeeded {
                #expect(run.startedAt != nil && run.finishedAt != nil && run.durationMs != nil)
                #expect(run.scheduledAt.timeIntervalSince1970.rounded() == run.scheduledAt.timeIntervalSince1970 || job.spec.schedule.jitter > 0)
            }
        }
    }

<<<<<<< HEAD
=======
    @Test("a task that outlives its timeout is cancelled and the attempt fails with reason timeout")
    func timeout() async throws {
        try await withEngine { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "slow", task: "system.sleep", args: ["seconds": 30], schedule: .date(DateSchedule(runAt: Date() + 3600)), timeout: 0.3))
            let started = Date()
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .failed })
            let run = try #require(try await engine.executions(of: job).first)
            #expect(run.error?.reason == "timeout")
            #expect(Date().timeIntervalSince(started) < 3)
        }
    }

    @Test("a task that ignores cancellation is abandoned after its timeout and its worker slot is given back")
    func abandoned() async throws {
        let returned = Locked(false)
        try await withEngine(workers: 1, register: { registry in
            registry.register("test.stubborn") { _, _ in
                // Swallows cancellation and keeps going for 3 s (bounded).
                let end = Date().addingTimeInterval(3)
                while Date() < end { try? await Task.sleep(for: .milliseconds(20)) }
                returned.withLock { $0 = true }
                return "finished late"
            }
        }) { engine in
            let never = DateSchedule(runAt: Date() + 3600)
            let stubborn = try await engine.jobs.create(try JobSpec(key: "stubborn", task: "test.stubborn", schedule: .date(never), timeout: 0.2))
            let quick = try await engine.jobs.create(try JobSpec(key: "quick", task: "system.noop", schedule: .date(never)))
            _ = try await engine.jobs.trigger(id: stubborn.id)
            #expect(try await eventually { try await engine.executions(of: stubborn).first?.status == .failed })
            let run = try #require(try await engine.executions(of: stubborn).first)
            #expect(run.error?.reason == "timeout")
            #expect(run.error?.message == "timed out after 0.2 s; abandoned after it ignored cancellation")
            // The only slot is free again while the abandoned task is still running.
            _ = try await engine.jobs.trigger(id: quick.id)
            #expect(try await eventually(within: 2) { try await engine.executions(of: quick).first?.status == .succeeded })
            #expect(returned.withLock { $0 } == false)
            // When the abandoned task finally returns, nothing more is recorded.
            #expect(try await eventually { returned.withLock { $0 } })
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await engine.executions(of: stubborn).map(\.status) == [.failed])
        }
    }

    @Test("cancelling a running execution stops it; the next executions still run")
    func cancelRunning() async throws {
        try await withEngine(workers: 1) { engine in
            let never = DateSchedule(runAt: Date() + 3600)
            let slow = try await engine.jobs.create(try JobSpec(key: "slow", task: "system.sleep", args: ["seconds": 30], schedule: .date(never)))
            let quick = try await engine.jobs.create(try JobSpec(key: "quick", task: "system.noop", schedule: .date(never)))
            let execution = try await engine.jobs.trigger(id: slow.id)
            for _ in 0..<3 { _ = try await engine.jobs.trigger(id: quick.id) }
            #expect(try await eventually { try await engine.executions(of: slow).first?.status == .running })
            _ = try await engine.jobs.cancel(executionId: execution.id)
            #expect(try await eventually { try await engine.executions(of: quick).filter { $0.status == .succeeded }.count == 3 })
            let run = try #require(try await engine.executions(of: slow).first)
            #expect(run.status == .cancelled)
        }
    }

>>>>>>> bd65c85 (Locked: the package's lock type, a pthread mutex, instead of Synchronization.Mutex)
    @Test("a failing attempt is retried with backoff and the retry can succeed")
    func retries() async throws {
        let attempts = Recorder<Int>()
        try await withEngine(register: { registry in
            registry.register("test.flaky") { _, context in
                attempts.append(context.attempt)
                if context.attempt == 1 { throw TaskFailure(message: "first attempt fails") }
                return "ok on attempt \(context.attempt)"
            }
        }) { engine in
            let retry = try RetryPolicy(maxRetries: 2, backoff: .init(initial: 0.2, max: 1, multiplier: 2), jitter: false)
            let job = try await engine.jobs.create(
                try JobSpec(key: "flaky", task: "test.flaky", schedule: .date(DateSchedule(runAt: Date() + 3600)), retry: retry))
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .succeeded })
            let run = try #require(try await engine.executions(of: job).first)
            #expect(run.attempt == 2)
            #expect(run.result == "ok on attempt 2")
            #expect(attempts.all == [1, 2])
        }
    }

<<<<<<< HEAD
    @Test("a task that outlives its timeout is cancelled and the attempt fails with reason timeout")
    func timeout() async throws {
=======
    @Test("maxInstances: extra runs wait in the queue instead of running at once or failing")
    func maxInstances() async throws {
        let running = Locked((now: 0, peak: 0))
        try await withEngine(register: { registry in
            registry.register("test.busy") { _, _ in
                running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                try await Task.sleep(for: .milliseconds(150))
                running.withLock { $0.now -= 1 }
                return nil
            }
        }) { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "busy", task: "test.busy", schedule: .date(DateSchedule(runAt: Date() + 3600)), maxInstances: 1))
            for _ in 0..<3 { _ = try await engine.jobs.trigger(id: job.id) }
            #expect(try await eventually { try await engine.executions(of: job).filter { $0.status == .succeeded }.count == 3 })
            #expect(running.withLock { $0.peak } == 1)
        }
    }

    @Test("when workers are saturated, higher priority runs first")
    func priority() async throws {
        let order = Recorder<String>()
        try await withEngine(workers: 1, register: { registry in
            registry.register("test.record") { args, context in
                order.append(context.jobKey)
                if let ms = args["sleepMs"]?.intValue { try await Task.sleep(for: .milliseconds(ms)) }
                return nil
            }
        }) { engine in
            let later = Date() + 3600
            func job(_ key: String, priority: Int, args: JSONValue = [:]) async throws -> Job {
                try await engine.jobs.create(try JobSpec(key: key, task: "test.record", args: args, schedule: .date(DateSchedule(runAt: later)), priority: priority))
            }
            let blocker = try await job("blocker", priority: 0, args: ["sleepMs": 300])
            let low = try await job("low", priority: -5)
            let high = try await job("high", priority: 5)
            _ = try await engine.jobs.trigger(id: blocker.id)
            #expect(try await eventually { order.all == ["blocker"] })
            _ = try await engine.jobs.trigger(id: low.id)
            _ = try await engine.jobs.trigger(id: high.id)
            #expect(try await eventually { order.all.count == 3 })
            #expect(order.all == ["blocker", "high", "low"])
        }
    }

    @Test("pause stops fires; resume continues from now without backfilling the paused time")
    func pauseResume() async throws {
        try await withEngine { engine in
            let job = try await engine.jobs.create(try JobSpec(key: "paused", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1))))
            _ = try await engine.jobs.setPaused(id: job.id, true)
            try await Task.sleep(for: .milliseconds(2300))
            #expect(try await engine.executions(of: job).isEmpty)
            let resumedAt = Date()
            let resumed = try await engine.jobs.setPaused(id: job.id, false)
            #expect(try #require(resumed.nextRunAt) > resumedAt)
            #expect(try await eventually { try await engine.executions(of: job).count >= 1 })
            #expect(try await engine.executions(of: job).allSatisfy { $0.scheduledAt > resumedAt && $0.status != .missed })
        }
    }

    @Test("a job paused before a fire claimed ahead of its time does not run it", arguments: ["pause", "disable", "delete"])
    func stopBeforeClaimedFire(action: String) async throws {
        // A 3 s look-ahead: the next fire is claimed by this instance's workers at once.
        try await withEngine(configure: { $0.lookahead = 3 }) { engine in
            let job = try await engine.jobs.create(try JobSpec(key: "ahead", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 2))))
            #expect(try await eventually { try await engine.executions(of: job).count == 1 }, "the next fire is claimed ahead")
            let stoppedAt = Date()
            switch action {
            case "pause": _ = try await engine.jobs.setPaused(id: job.id, true)
            case "disable": _ = try await engine.jobs.setEnabled(id: job.id, false)
            default: _ = try await engine.jobs.delete(id: job.id, expectedVersion: nil)
            }
            let fire = try #require(job.nextRunAt)
            #expect(fire > stoppedAt, "the test stopped the job before its fire")
            try await Task.sleep(until: .now + .seconds(max(0, fire.timeIntervalSinceNow) + 0.5), clock: .continuous)
            #expect(try await engine.executions(of: job).isEmpty, "no run and no trace of the fire")
        }
    }

    @Test("a disabled job is not fired and cannot be triggered; enabling it starts its fires")
    func disabled() async throws {
>>>>>>> bd65c85 (Locked: the package's lock type, a pthread mutex, instead of Synchronization.Mutex)
        try await withEngine { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "slow", task: "system.sleep", args: ["seconds": 30], schedule: .date(DateSchedule(runAt: Date() + 3600)), timeout: 0.3))
            let started = Date()
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .failed })
            let run = try #require(try await engine.executions(of: job).first)
            #expect(run.error?.reason == "timeout")
            #expect(Date().timeIntervalSince(started) < 3)
        }
    }

    @Test("graceful shutdown lets a running execution finish")
    func drain() async throws {
        var captured: (KairosEngine, Job)?
        try await withEngine { engine in
            let job = try await engine.jobs.create(
                try JobSpec(key: "drain", task: "system.sleep", args: ["seconds": 0.5], schedule: .date(DateSchedule(runAt: Date() + 3600))))
            _ = try await engine.jobs.trigger(id: job.id)
            #expect(try await eventually { try await engine.executions(of: job).first?.status == .running })
            captured = (engine, job)
        }
        let (engine, job) = try #require(captured)
        #expect(try await engine.executions(of: job).first?.status == .succeeded)
        #expect(try await engine.store.listInstances().allSatisfy { $0.stoppedAt != nil })
    }
}

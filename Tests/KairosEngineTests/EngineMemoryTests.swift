import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import MemoryJobStore
import Testing

/// Scheduling by the real engine on `MemoryJobStore` and a manual clock: time moves only when
/// the test advances it (an outage of minutes takes no time), and the test waits for the
/// engine's events, writes or sleeps — never for real time to pass (``ManualEngine``).
@Suite("Engine on memory with a manual clock", .timeLimit(.minutes(1)))
struct EngineMemoryTests {
    let t0 = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z
    /// A date no test's clock reaches: a job with it only runs when triggered.
    var never: DateSchedule { DateSchedule(runAt: t0 + 365 * 86_400) }

    func interval(
        _ key: String, seconds: Int = 1, task: String = "system.noop", grace: Int = 60, coalesce: Bool = true, maxInstances: Int = 1,
        enabled: Bool = true
    ) throws -> JobSpec {
        try JobSpec(
            key: key, task: task, schedule: .interval(try IntervalSchedule(seconds: seconds)), maxInstances: maxInstances, misfireGraceTime: grace,
            coalesce: coalesce, enabled: enabled)
    }

    @Test("an interval job fires every second, on time, and every run is kept in history")
    func intervalRuns() async throws {
        try await withManualEngine(clock: ManualClock(t0)) { run in
            let job = try await run.engine.jobs.create(try interval("tick"))
            for second in 1...3 {
                let fire = t0 + Double(second)
                run.clock.advance(to: fire)
                try await run.log.wait(for: "execution.succeeded", where: { $0.execution?.scheduledAt == fire })
            }
            try await run.shutDown()
            let runs = try await run.executions(of: job)
            #expect(runs.map(\.scheduledAt) == [t0 + 3, t0 + 2, t0 + 1], "one execution per fire, newest first")
            for execution in runs {
                #expect(execution.status == .succeeded)
                #expect(execution.startedAt == execution.scheduledAt, "started at its fire time on the engine's clock")
                #expect(execution.finishedAt != nil && execution.durationMs == 0)
            }
        }
    }

    @Test("past capacity the scheduler waits for room: later fires are not queued, and a late job's fires coalesce into one run")
    func backPressure() async throws {
        let release = Gate()
        try await withManualEngine(clock: ManualClock(t0), workers: 1, register: { registry in
            registry.register("test.block") { _, _ in
                try await release.wait()
                return nil
            }
        }) { run in
            defer { release.open() }
            var jobs: [Job] = []
            for index in 1...20 { jobs.append(try await run.engine.jobs.create(try interval("busy-\(index)", task: "test.block"))) }
            run.clock.advance(to: t0 + 1)
            _ = try await run.log.first("execution.started")
            // Two sleepers settle each second: the heartbeat and the scheduler waiting for room
            // (the pool, every slot busy, waits for a completion without a timer).
            for second in 2...5 { try await run.advance(to: t0 + Double(second), settling: 2) }
            // One worker, blocked: the first fires wait in the pool; none of the next ones exist yet.
            #expect(try await run.store.queueDepth(now: t0 + 5) == 0, "nothing queued behind the busy pool")
            #expect(run.log.count("execution.submitted") == 20, "only the fires of t0+1 were made")
            release.open()
            try await run.log.wait(for: "execution.succeeded", count: 40)
            try await run.shutDown()
            for job in jobs {
                #expect(try await run.executions(of: job).map(\.scheduledAt) == [t0 + 5, t0 + 1], "t0+2 … t0+5 coalesced into one run at t0+5")
            }
            #expect(run.log.count("execution.missed") == 0)
        }
    }

    @Test("a one-shot job runs once and is then finished")
    func oneShot() async throws {
        try await withManualEngine(clock: ManualClock(t0)) { run in
            let job = try await run.engine.jobs.create(try JobSpec(key: "once", task: "system.noop", schedule: .date(DateSchedule(runAt: t0 + 0.5))))
            run.clock.advance(to: t0 + 0.5)
            try await run.log.wait(for: "execution.succeeded")
            for second in 1...3 { try await run.advance(to: t0 + Double(second)) }
            try await run.shutDown()
            #expect(try await run.store.job(id: job.id)?.nextRunAt == nil)
            #expect(try await run.executions(of: job).map(\.status) == [.succeeded])
        }
    }

    @Test("events: a Swift listener sees added, submitted, started and succeeded, in order")
    func events() async throws {
        try await withManualEngine(clock: ManualClock(t0)) { run in
            let stream = run.engine.events.subscribe()
            let job = try await run.engine.jobs.create(try JobSpec(key: "watched", task: "system.noop", schedule: .date(never)))
            _ = try await run.engine.jobs.trigger(id: job.id)
            let names = try await withDeadline(30, { "execution.succeeded on the stream" }) {
                var names: [String] = []
                for await event in stream {
                    names.append(event.name)
                    if event.name == "execution.succeeded" { break }
                }
                return names
            }
            #expect(names == ["job.added", "execution.submitted", "execution.started", "execution.succeeded"])
        }
    }

    @Test("pause stops fires; resume continues from now without backfilling the paused time")
    func pauseResume() async throws {
        try await withManualEngine(clock: ManualClock(t0)) { run in
            let job = try await run.engine.jobs.create(try interval("paused", seconds: 60, grace: 300))
            _ = try await run.engine.jobs.setPaused(id: job.id, true)
            // The scheduler looks at each minute the job would have fired, then at the hour.
            for minute in [1, 2, 3, 60] { try await run.advance(to: t0 + Double(60 * minute)) }
            #expect(try await run.executions(of: job).isEmpty, "no fire while paused")
            let resumed = try await run.engine.jobs.setPaused(id: job.id, false)
            #expect(resumed.nextRunAt == t0 + 3660, "the next fire after now, not the hour of missed fires")
            run.clock.advance(to: t0 + 3660)
            try await run.log.wait(for: "execution.succeeded")
            try await run.shutDown()
            let runs = try await run.executions(of: job)
            #expect(runs.map(\.scheduledAt) == [t0 + 3660])
            #expect(!runs.contains { $0.status == .missed })
        }
    }

    @Test("a job paused, disabled or deleted before a fire claimed ahead of its time does not run it", arguments: ["pause", "disable", "delete"])
    func stopBeforeClaimedFire(action: String) async throws {
        // A 3 s look-ahead: the first fire (t0+2) is queued and claimed by this instance's workers at once.
        try await withManualEngine(clock: ManualClock(t0), configure: { $0.lookahead = 3 }) { run in
            let job = try await run.engine.jobs.create(try interval("ahead", seconds: 2))
            try await run.log.wait(for: "execution.submitted")
            #expect(try await run.executions(of: job).count == 1, "the next fire is claimed ahead")
            switch action {
            case "pause": _ = try await run.engine.jobs.setPaused(id: job.id, true)
            case "disable": _ = try await run.engine.jobs.setEnabled(id: job.id, false)
            default: _ = try await run.engine.jobs.delete(id: job.id, expectedVersion: nil)
            }
            #expect(job.nextRunAt == t0 + 2)
            try await run.advance(to: t0 + 2.5)
            try await run.shutDown()
            #expect(try await run.executions(of: job).isEmpty, "no run and no trace of the fire")
            #expect(run.log.count("execution.started") == 0)
        }
    }

    @Test("a disabled job is not fired and cannot be triggered; enabling it starts its fires")
    func disabled() async throws {
        try await withManualEngine(clock: ManualClock(t0)) { run in
            let job = try await run.engine.jobs.create(try interval("off", enabled: false))
            await #expect(throws: StoreError.self) { try await run.engine.jobs.trigger(id: job.id) }
            for second in 1...3 { try await run.advance(to: t0 + Double(second)) }
            #expect(try await run.executions(of: job).isEmpty)
            let enabledAt = run.clock.now()
            let enabled = try await run.engine.jobs.setEnabled(id: job.id, true)
            let fire = try #require(enabled.nextRunAt)
            #expect(fire > enabledAt)
            run.clock.advance(to: fire)
            let succeeded = try await run.log.first("execution.succeeded")
            #expect(succeeded.execution?.jobId == job.id && succeeded.execution?.scheduledAt == fire)
        }
    }

    @Test("after a 16-minute outage: fires older than the grace time are missed; runnable ones coalesce, or each run without coalesce")
    func outage() async throws {
        let clock = ManualClock(t0)
        var jobs: [String: Job] = [:]
        try await withManualEngine(clock: clock, prepare: { store in
            // Created at t0: fires at t0+60, t0+120, … The engine starts 1000 s later.
            jobs["coalesced"] = try await store.createJob(try interval("coalesced", seconds: 60, grace: 300, coalesce: true), now: t0)
            jobs["each"] = try await store.createJob(try interval("each", seconds: 60, grace: 300, coalesce: false), now: t0)
            clock.advance(to: t0 + 1000)
        }) { run in
            let coalesced = try #require(jobs["coalesced"])
            let each = try #require(jobs["each"])
            // Fires t0+60 … t0+660 are more than 300 s late at t0+1000: 11 missed. t0+720 …
            // t0+960 (5 fires) are runnable.
            try await run.log.wait(for: "execution.succeeded", count: 6)
            try await run.store.until("the six runs succeeded") { store in
                try await store.history(HistoryQuery(statuses: [.succeeded])).items.count == 6
            }
            let coalescedRuns = try await run.executions(of: coalesced)
            #expect(coalescedRuns.filter { $0.status == .missed }.map(\.scheduledAt) == stride(from: 660.0, through: 60, by: -60).map { t0 + $0 })
            #expect(coalescedRuns.filter { $0.status == .succeeded }.map(\.scheduledAt) == [t0 + 960], "the latest runnable fire runs, once")
            #expect(coalescedRuns.first { $0.status == .succeeded }?.startedAt == t0 + 1000, "started at the manual clock's time")
            let eachRuns = try await run.executions(of: each)
            #expect(eachRuns.filter { $0.status == .missed }.count == 11)
            #expect(Set(eachRuns.filter { $0.status == .succeeded }.map(\.scheduledAt)) == Set(stride(from: 720.0, through: 960, by: 60).map { t0 + $0 }))

            // Nothing more until the clock reaches the next fire, t0+1020.
            #expect(try await run.store.job(id: coalesced.id)?.nextRunAt == t0 + 1020)
            clock.advance(to: t0 + 1020)
            try await run.log.wait(for: "execution.succeeded", where: { $0.execution?.jobId == coalesced.id && $0.execution?.scheduledAt == t0 + 1020 })
            try await run.shutDown()
            #expect(try await run.executions(of: coalesced).filter { $0.status == .succeeded }.map(\.scheduledAt) == [t0 + 1020, t0 + 960])
        }
    }

    @Test("a fire waiting behind maxInstances past its grace is recorded missed: the queue stays bounded", arguments: [false, true])
    func waitingFiresAreBounded(coalesce: Bool) async throws {
        let gate = Gate()
        try await withManualEngine(clock: ManualClock(t0), register: { tasks in
            tasks.register("test.blocked") { _, _ in try await gate.wait(); return "released" }
        }) { run in
            // Released however the test ends: a blocked attempt would hold the graceful shutdown,
            // whose grace period runs on the manual clock.
            defer { gate.open() }
            let job = try await run.engine.jobs.create(try interval("slow", task: "test.blocked", grace: 2, coalesce: coalesce))
            for second in 1...20 {
                let fire = t0 + Double(second)
                run.clock.advance(to: fire)
                // The pass for this second has run once its fire is submitted.
                try await run.log.wait(for: "execution.submitted", where: { $0.execution?.scheduledAt == fire })
                if second == 1 {
                    try await run.store.until("the first fire running") { try await $0.history(HistoryQuery(jobId: job.id)).items.first?.status == .running }
                }
            }
            let runs = try await run.executions(of: job)
            let queued = runs.filter { $0.status == .queued }
            let missed = runs.filter { $0.status == .missed }
            #expect(runs.filter { $0.status == .running }.count == 1, "maxInstances 1: the first fire runs, blocked")
            #expect(queued.count <= (coalesce ? 1 : 3), "waiting fires are bounded by the 2 s grace: \(queued.map(\.scheduledAt))")
            #expect(missed.count >= 16, "the rest is recorded missed: \(missed.count)")
            #expect(missed.allSatisfy { $0.error?.reason == ExecutionError.misfire })
            try await run.log.wait("each missed fire is an event") { $0.filter { $0.name == "execution.missed" }.count == missed.count }
        }
    }

    @Test("restart after a crash: fires a dead instance claimed ahead and never started are released and run at once, none failed")
    func restartReleasesNeverStartedClaims() async throws {
        let clock = ManualClock(t0)
        var ids: [UUID] = []
        try await withManualEngine(clock: clock, prepare: { store in
            try await store.registerInstance(InstanceInfo(id: "dead", hostname: "h", pid: 1, roles: ["worker"], version: "t", startedAt: t0, heartbeatAt: t0))
            for index in 0..<5 { ids.append(try await store.createJob(try interval("crashed.\(index)"), now: t0).id) }
            // The dead instance took the fires at t0+1 for its own workers, then died (lease 30 s).
            let batch = try await store.claimDueFires(
                now: t0 + 0.5, horizon: t0 + 1, limit: 10, localClaim: LocalClaim(instanceId: "dead", leaseUntil: t0 + 30.5, limit: 10))
            #expect(batch.claimed.count == 5)
            clock.advance(to: t0 + 1.2)
        }) { run in
            // No lease period passes: the claims are released at start and run now.
            try await run.log.wait(for: "execution.succeeded", count: 5, where: { $0.execution?.scheduledAt == t0 + 1 })
            #expect(run.log.count("execution.failed") == 0, "nothing failed as 'worker lost'")
            let ids = ids
            try await run.store.until("the five fires succeeded") { store in
                var succeeded = 0
                for id in ids where try await store.history(HistoryQuery(jobId: id)).items.first(where: { $0.scheduledAt == t0 + 1 })?.status == .succeeded {
                    succeeded += 1
                }
                return succeeded == ids.count
            }
            for id in ids {
                let fire = try #require(try await run.store.history(HistoryQuery(jobId: id)).items.first { $0.scheduledAt == t0 + 1 })
                #expect(fire.attempt == 1, "a claim that never started is not an attempt")
                #expect(fire.instanceId == run.engine.configuration.instanceId)
            }
            #expect(try await run.store.listInstances().first { $0.id == "dead" }?.stoppedAt != nil)
        }
    }

    @Test("the history cleanup system job is installed once")
    func systemJob() async throws {
        try await withManualEngine(clock: ManualClock(t0), configure: { $0.historyRetentionDays = 7 }) { run in
            try await run.engine.installSystemJobs()
            try await run.engine.installSystemJobs()
            let job = try #require(try await run.store.job(key: KairosEngine.cleanupJobKey))
            #expect(job.system)
            #expect(job.spec.args["retentionDays"]?.intValue == 7)
            #expect(job.version == 1)
            #expect(run.log.count("job.added") == 1)
            let refused = await #expect(throws: StoreError.self, "it would come back at the next start with a new id") {
                try await run.engine.jobs.delete(id: job.id, expectedVersion: nil)
            }
            #expect(refused?.code == .invalidState)
            #expect(refused?.message.contains("disable it instead") == true)
            let disabled = try await run.engine.jobs.setEnabled(id: job.id, false)
            try await run.engine.installSystemJobs()
            #expect(try await run.store.job(key: KairosEngine.cleanupJobKey)?.spec.enabled == false, "disabled, it stays disabled")
            #expect(disabled.id == job.id)
        }
    }
}

import Foundation
import KairosCore
import KairosEngine
import KairosPostgres
import KairosStore
import Testing

/// Instances whose clocks are wrong (docs/POSTGRES.md, "Time"): the database's clock decides.
@Suite("PostgreSQL clock skew")
struct PostgresClockTests {
    @Test("engines whose clocks are 2 s fast and 2 s slow measure their offsets and fire a job neither early nor late")
    func skewedSchedulersFireOnTime() async throws {
        try await withFreshDatabase { configuration in
            let (a, fast, slow) = (try await openStore(configuration), try await openStore(configuration), try await openStore(configuration))
            let log = RunLog()
            let engines = [
                KairosEngine(
                    store: fast, registry: testTasks(log), configuration: testConfiguration("fast", roles: [.scheduler, .worker]),
                    clock: SkewedClock(skew: 2), logger: quietLogger),
                KairosEngine(
                    store: slow, registry: testTasks(log), configuration: testConfiguration("slow", roles: [.scheduler, .worker]),
                    clock: SkewedClock(skew: -2), logger: quietLogger),
            ]
            try await withRunning([a, fast, slow], engines) {
                try await waitUntilIdle("fast", in: a)
                try await waitUntilIdle("slow", in: a)
                for (engine, skew) in zip(engines, [2.0, -2.0]) {
                    let offset = try #require(engine.storeClock?.offset, "the clock was set at start")
                    // Within half a round trip; loose bounds for a loaded 2-core machine.
                    #expect(abs(offset.seconds + skew) < 0.1, "measured \(offset.seconds) s for a clock \(skew) s off")
                    #expect(offset.roundTrip < 0.2, "round trip \(offset.roundTrip) s")
                    #expect(abs(engine.clock.now().timeIntervalSinceNow) < 0.1, "the engine's clock reads the database's time")
                }
                let runAt = Date().addingTimeInterval(2.5)
                let job = try await a.createJob(
                    try JobSpec(key: "on-time", task: "test.record", schedule: .date(DateSchedule(runAt: runAt))), now: Date())
                #expect(try await eventually(within: 6) { await log.first("on-time") != nil }, "the job ran")
                let ran = try #require(await log.first("on-time"))
                #expect(ran >= runAt.addingTimeInterval(-0.1), "not early: ran \(ran.timeIntervalSince(runAt)) s after its time")
                #expect(ran <= runAt.addingTimeInterval(1), "not late: ran \(ran.timeIntervalSince(runAt)) s after its time")
                #expect(try await eventually(within: 3) { try await executions(of: job.id, in: a).first?.finishedAt != nil }, "its outcome was recorded")
                let fired = try await executions(of: job.id, in: a)
                #expect(fired.count == 1, "one fire, run once")
                #expect(fired.first?.status == .succeeded)
            }
        }
    }

    @Test("an instance whose clock is 2 s fast does not reap another instance's live lease")
    func fastReaperSparesLiveLeases() async throws {
        try await withFreshDatabase { configuration in
            let (a, fast) = (try await openStore(configuration), try await openStore(configuration))
            let log = RunLog()
            // The worker's leases last 2 s, renewed every 0.4 s: never more than 2 s ahead of
            // the database's clock, so that a reaper 2 s fast would take them for expired.
            let worker = KairosEngine(
                store: a, registry: testTasks(log), configuration: testConfiguration("worker", roles: [.worker], leaseDuration: 2, heartbeatInterval: 0.4),
                logger: quietLogger)
            let reaper = KairosEngine(
                store: fast, registry: testTasks(log), configuration: testConfiguration("reaper", roles: [.scheduler], leaseDuration: 2, heartbeatInterval: 0.2),
                clock: SkewedClock(skew: 2), logger: quietLogger)
            try await withRunning([a, fast], [worker, reaper]) {
                try await waitUntilIdle("worker", in: a)
                try await waitUntilIdle("reaper", in: a)
                let job = try await a.createJob(
                    try JobSpec(
                        key: "long", task: "test.sleep", args: ["seconds": .number(3)], schedule: .interval(try IntervalSchedule(days: 1)),
                        retry: try RetryPolicy(maxRetries: 2)),
                    now: Date())
                let execution = try await a.trigger(jobId: job.id, now: Date())
                let finished = try await eventually(within: 10) { try await a.execution(id: execution.id)?.finishedAt != nil }
                #expect(finished, "the attempt finished")
                let stored = try #require(try await a.execution(id: execution.id))
                #expect(stored.status == .succeeded, "\(stored.status) \(stored.error.map { "\($0.reason): \($0.message)" } ?? "")")
                #expect(stored.attempt == 1, "never reaped and retried")
                #expect(stored.instanceId == "worker")
                #expect(await log.runs["long"]?.count == 1, "one attempt ran")
            }
        }
    }
}

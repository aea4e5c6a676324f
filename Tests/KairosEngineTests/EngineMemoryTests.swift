import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import MemoryJobStore
import Synchronization
import Testing

/// The engine on `MemoryJobStore` and a manual clock: time moves only when the test says so,
/// and the test waits for the engine's events, never for real time to pass.
@Suite("Engine on memory with a manual clock")
struct EngineMemoryTests {
    let t0 = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z

    /// A task that blocks until the test opens the gate (or the attempt is cancelled).
    final class Gate: Sendable {
        private let open = Mutex(false)
        func release() { open.withLock { $0 = true } }
        func wait() async throws {
            while !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    func interval(_ key: String, task: String = "system.noop", grace: Int = 60, coalesce: Bool = true, maxInstances: Int = 1) throws -> JobSpec {
        try JobSpec(
            key: key, task: task, schedule: .interval(try IntervalSchedule(seconds: 1)), maxInstances: maxInstances, misfireGraceTime: grace,
            coalesce: coalesce)
    }

    @Test("a fire waiting behind maxInstances past its grace is recorded missed: the queue stays bounded", arguments: [false, true])
    func waitingFiresAreBounded(coalesce: Bool) async throws {
        let clock = ManualClock(t0)
        let gate = Gate()
        let store = MemoryJobStore()
        try await withEngine(store: store, clock: clock, register: { tasks in
            tasks.register("test.blocked") { _, _ in try await gate.wait(); return "released" }
        }) { engine in
            // Released however the test ends: a blocked attempt would hold the graceful shutdown,
            // whose grace period runs on the manual clock.
            defer { gate.release() }
            let log = EventLog(engine.events)
            let job = try await engine.jobs.create(try interval("slow", task: "test.blocked", grace: 2, coalesce: coalesce))
            #expect(await log.wait { $0.contains { $0.name == "job.added" } })
            for second in 1...20 {
                clock.advance(to: t0 + Double(second))
                // The pass for this second has run once the job's next fire is after it.
                #expect(try await eventually(within: 30) { try await store.job(id: job.id)?.nextRunAt ?? .distantPast > t0 + Double(second) })
            }
            let runs = try await engine.executions(of: job)
            let queued = runs.filter { $0.status == .queued }
            let missed = runs.filter { $0.status == .missed }
            #expect(runs.filter { $0.status == .running }.count == 1, "maxInstances 1: the first fire runs, blocked")
            #expect(queued.count <= (coalesce ? 1 : 3), "waiting fires are bounded by the 2 s grace: \(queued.map(\.scheduledAt))")
            #expect(missed.count >= 16, "the rest is recorded missed: \(missed.count)")
            #expect(missed.allSatisfy { $0.error?.reason == ExecutionError.misfire })
            #expect(await log.wait { $0.filter { $0.name == "execution.missed" }.count == missed.count }, "each missed fire is an event")
        }
    }

    @Test("restart after a crash: fires a dead instance claimed ahead and never started are released and run at once, none failed")
    func restartReleasesNeverStartedClaims() async throws {
        let clock = ManualClock(t0)
        let store = MemoryJobStore()
        var ids: [UUID] = []
        try await withEngine(store: store, clock: clock, prepare: { store in
            try await store.registerInstance(InstanceInfo(id: "dead", hostname: "h", pid: 1, roles: ["worker"], version: "t", startedAt: t0, heartbeatAt: t0))
            for index in 0..<5 { ids.append(try await store.createJob(try interval("crashed.\(index)"), now: t0).id) }
            // The dead instance took the fires at t0+1 for its own workers, then died (lease 30 s).
            let batch = try await store.claimDueFires(
                now: t0 + 0.5, horizon: t0 + 1, limit: 10, localClaim: LocalClaim(instanceId: "dead", leaseUntil: t0 + 30.5, limit: 10))
            #expect(batch.claimed.count == 5)
            clock.advance(to: t0 + 1.2)
        }) { engine, log in
            // No lease period passes: the claims are released at start and run now.
            #expect(await log.wait { $0.filter { $0.name == "execution.succeeded" && $0.execution?.scheduledAt == t0 + 1 }.count == 5 })
            #expect(log.count("execution.failed") == 0, "nothing failed as 'worker lost'")
            for id in ids {
                #expect(try await eventually(within: 30) {
                    try await engine.store.history(HistoryQuery(jobId: id)).items.first { $0.scheduledAt == t0 + 1 }?.status == .succeeded
                })
                let fire = try #require(try await engine.store.history(HistoryQuery(jobId: id)).items.first { $0.scheduledAt == t0 + 1 })
                #expect(fire.attempt == 1, "a claim that never started is not an attempt")
                #expect(fire.instanceId == engine.configuration.instanceId)
            }
            #expect(try await store.listInstances().first { $0.id == "dead" }?.stoppedAt != nil)
        }
    }

    @Test("a running attempt shows its start time before it ends")
    func startedAtWhileRunning() async throws {
        let clock = ManualClock(t0)
        let gate = Gate()
        try await withEngine(store: MemoryJobStore(), clock: clock, register: { tasks in
            tasks.register("test.blocked") { _, _ in try await gate.wait(); return nil }
        }) { engine in
            defer { gate.release() }
            let log = EventLog(engine.events)
            let job = try await engine.jobs.create(try interval("observed", task: "test.blocked"))
            clock.advance(to: t0 + 1)
            #expect(await log.wait { $0.contains { $0.name == "execution.started" } })
            #expect(try await eventually(within: 30) { try await engine.executions(of: job).first?.startedAt == t0 + 1 }, "recorded within a flush")
            #expect(try await engine.executions(of: job).first?.status == .running)
            gate.release()
            #expect(await log.wait { $0.contains { $0.name == "execution.succeeded" } })
        }
    }
}

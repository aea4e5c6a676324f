import Foundation
import KairosCore
import KairosEngine
import KairosStore
import KairosTestSupport
import Testing

/// The real engine driven by a manual clock: time only moves when the test advances it, so
/// an outage of minutes takes no time. (Polls of the store are bounded real-time waits for
/// the engine's tasks to act on the new time.)
@Suite("Engine on a manual clock", .serialized)
struct EngineManualClockTests {
    let t0 = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z

    func spec(_ key: String, coalesce: Bool) throws -> JobSpec {
        try JobSpec(
            key: key, task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 1)),
            misfireGraceTime: 300, coalesce: coalesce)
    }

    @Test("after a 16-minute outage: fires older than the grace time are missed; runnable ones coalesce, or each run without coalesce")
    func outage() async throws {
        let clock = ManualClock(t0)
        var jobs: [String: Job] = [:]
        try await withEngine(clock: clock, prepare: { store in
            // Created at t0: fires at t0+60, t0+120, … The engine starts 1000 s later.
            jobs["coalesced"] = try await store.createJob(try spec("coalesced", coalesce: true), now: t0)
            jobs["each"] = try await store.createJob(try spec("each", coalesce: false), now: t0)
            clock.advance(to: t0 + 1000)
        }) { engine in
            let coalesced = try #require(jobs["coalesced"])
            let each = try #require(jobs["each"])
            // Fires t0+60 … t0+660 are more than 300 s late at t0+1000: 11 missed. t0+720 …
            // t0+960 (5 fires) are runnable.
            #expect(try await eventually { try await engine.executions(of: coalesced).filter { $0.status == .succeeded }.count == 1 })
            #expect(try await eventually { try await engine.executions(of: each).filter { $0.status == .succeeded }.count == 5 })
            let coalescedRuns = try await engine.executions(of: coalesced)
            #expect(coalescedRuns.filter { $0.status == .missed }.map(\.scheduledAt) == stride(from: 660.0, through: 60, by: -60).map { t0 + $0 })
            #expect(coalescedRuns.first { $0.status == .succeeded }?.scheduledAt == t0 + 960, "the latest runnable fire runs")
            #expect(coalescedRuns.first { $0.status == .succeeded }?.startedAt == t0 + 1000, "started at the manual clock's time")
            let eachRuns = try await engine.executions(of: each)
            #expect(eachRuns.filter { $0.status == .missed }.count == 11)
            #expect(Set(eachRuns.filter { $0.status == .succeeded }.map(\.scheduledAt)) == Set(stride(from: 720.0, through: 960, by: 60).map { t0 + $0 }))

            // Nothing more until the clock reaches the next fire, t0+1020.
            #expect(try await engine.store.job(id: coalesced.id)?.nextRunAt == t0 + 1020)
            clock.advance(to: t0 + 1020)
            #expect(try await eventually { try await engine.executions(of: coalesced).filter { $0.status == .succeeded }.count == 2 })
            #expect(try await engine.executions(of: coalesced).first?.scheduledAt == t0 + 1020)
        }
    }

    @Test("pause, let time pass, resume: the paused fires are not backfilled")
    func pauseWithoutBackfill() async throws {
        let clock = ManualClock(t0)
        try await withEngine(clock: clock) { engine in
            let job = try await engine.jobs.create(try spec("paused", coalesce: true))
            _ = try await engine.jobs.setPaused(id: job.id, true)
            clock.advance(to: t0 + 3600)
            _ = try await engine.jobs.setPaused(id: job.id, false)
            #expect(try await engine.store.job(id: job.id)?.nextRunAt == t0 + 3660, "the next fire after now, not the hour of missed fires")
            clock.advance(to: t0 + 3660)
            #expect(try await eventually { try await engine.executions(of: job).contains { $0.status == .succeeded } })
            let runs = try await engine.executions(of: job)
            #expect(runs.map(\.scheduledAt) == [t0 + 3660])
            #expect(!runs.contains { $0.status == .missed })
        }
    }
}

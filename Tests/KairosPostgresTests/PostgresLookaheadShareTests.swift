import Foundation
import KairosCore
import KairosPostgres
import KairosStore
import Testing

/// Fires planned ahead of their time are split between the instances that schedule and run
/// them (docs/POSTGRES.md, "Scheduling"); a fire that is due is any instance's.
@Suite("PostgreSQL look-ahead shares")
struct PostgresLookaheadShareTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private static func register(_ store: any JobStore, _ id: String, roles: [String] = ["api", "scheduler", "worker"]) async throws {
        try await store.registerInstance(
            InstanceInfo(id: id, hostname: "test", pid: 1, roles: roles, version: "test", startedAt: t0, heartbeatAt: t0))
    }

    /// A scheduling pass of `instance` at t0 + `seconds` with 0.8 s of look-ahead, taking fires
    /// for its workers, which run them at once (their slots free for the next pass); the jobs
    /// whose fires it took.
    private static func pass(_ store: any JobStore, _ instance: String, at seconds: Double, limit: Int = 100) async throws -> Set<UUID> {
        let batch = try await store.claimDueFires(
            now: at(seconds), horizon: at(seconds + 0.8), limit: limit,
            localClaim: LocalClaim(instanceId: instance, leaseUntil: at(seconds + 30), limit: limit))
        #expect(batch.queued.isEmpty)
        _ = try await store.complete(batch.claimed.map { $0.succeeded(by: instance, at: at(seconds)) }, now: at(seconds))
        return Set(batch.claimed.map(\.execution.jobId))
    }

    @Test("each live instance that schedules and works plans ahead only its share of the jobs, together every job once; a due fire is anyone's, its own share's first")
    func sharesSplitTheLookahead() async throws {
        try await withFreshDatabase { configuration in try await withHandles(configuration) { handles in
            let a = try await handles.open()
            let b = try await handles.open()
            let c = try await handles.open()
            let specs = try (1...40).map { index in
                try JobSpec(key: "job-\(index)", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1, startDate: Self.at(1))))
            }
            let jobs = Set(try await a.createJobs(specs, now: Self.t0).map(\.id))
            try await Self.register(a, "a")
            try await Self.register(b, "b", roles: ["scheduler", "worker"])
            try await Self.register(c, "api-only", roles: ["api"])
            try await Self.register(c, "scheduler-only", roles: ["scheduler"])
            try await Self.register(c, "stopped")
            try await c.markInstanceStopped(instanceId: "stopped", now: Self.t0)

            let shareOfA = try await Self.pass(a, "a", at: 0.5)
            #expect(try await Self.pass(a, "a", at: 0.6).isEmpty, "the rest is b's share until it is due")
            let shareOfB = try await Self.pass(b, "b", at: 0.6)
            #expect(!shareOfA.isEmpty && !shareOfB.isEmpty)
            #expect(shareOfA.isDisjoint(with: shareOfB) && shareOfA.union(shareOfB) == jobs, "two shares (api-only, scheduler-only and stopped instances have none), every job once")

            #expect(try await Self.pass(a, "a", at: 1.5) == shareOfA, "the same share, second after second")
            #expect(try await Self.pass(c, "unregistered", at: 1.5) == shareOfB, "an instance without a share plans every job ahead")
            #expect(try await Self.pass(a, "a", at: 2.5) == shareOfA)
            #expect(try await Self.pass(a, "a", at: 3.0) == shareOfB, "b's fires at 3 s, due and not planned: a takes them")
            #expect(
                try await Self.pass(a, "a", at: 4.0, limit: shareOfA.count) == shareOfA,
                "every fire due at 4 s at once, room for a share: its own share first, the others' after it")
            #expect(try await Self.pass(b, "b", at: 4.0) == shareOfB)
        } }
    }
}

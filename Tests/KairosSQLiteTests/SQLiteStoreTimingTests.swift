import Foundation
import KairosCore
import KairosSQLite
import KairosStore
import Testing

/// Opt-in timing of the hot paths (not a pass/fail benchmark):
/// `KAIROS_STORE_TIMING=10000 swift test -c release --filter SQLiteStoreTimingTests`.
@Suite("SQLite store timing", .enabled(if: ProcessInfo.processInfo.environment["KAIROS_STORE_TIMING"] != nil))
struct SQLiteStoreTimingTests {
    @Test func dispatchHotPaths() async throws {
        let count = Int(ProcessInfo.processInfo.environment["KAIROS_STORE_TIMING"] ?? "") ?? 10_000
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("timing.db"))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = ContinuousClock()
        for index in 0..<count {
            let spec = try JobSpec(key: "job-\(index)", task: "system.noop", schedule: .interval(try IntervalSchedule(seconds: 1)))
            _ = try await store.createJob(spec, now: t0)
        }

        var batch = FireBatch()
        let fire = try await clock.measure { batch = try await store.claimDueFires(now: t0 + 1, horizon: t0 + 1, limit: count) }
        #expect(batch.queued.count == count)
        print("claimDueFires: \(count) fires in one call: \(fire)")

        var fired = 0
        let fireBatches = try await clock.measure {
            for _ in 0..<(count / 1000 + 2) {
                let next = try await store.claimDueFires(now: t0 + 2, horizon: t0 + 2, limit: 1000)
                fired += next.queued.count
                if next.jobsClaimed == 0 { break }
            }
        }
        print("claimDueFires: \(fired) fires in batches of 1000: \(fireBatches)")

        var claimed: [ClaimedExecution] = []
        let claim = try await clock.measure {
            claimed = try await store.claimExecutions(instanceId: "w", now: t0 + 3, horizon: t0 + 3, limit: count, leaseUntil: t0 + 60)
        }
        print("claimExecutions: \(claimed.count) in one call (specs decoded, cache cold): \(claim)")
        let complete = try await clock.measure {
            let ignored = try await store.complete(
                claimed.map {
                    Completion(
                        executionId: $0.execution.id, instanceId: "w", attempt: $0.execution.attempt, startedAt: t0 + 3,
                        finishedAt: t0 + 3.01, outcome: .succeeded(result: "ok"))
                }, now: t0 + 3.01)
            #expect(ignored.isEmpty)
        }
        print("complete: \(claimed.count) in one call: \(complete)")

        var done = 0
        let rounds = try await clock.measure {
            for _ in 0..<(count / 500 + 2) {
                let next = try await store.claimExecutions(instanceId: "w", now: t0 + 3, horizon: t0 + 3, limit: 500, leaseUntil: t0 + 60)
                if next.isEmpty { break }
                done += next.count
                try await store.complete(
                    next.map {
                        Completion(
                            executionId: $0.execution.id, instanceId: "w", attempt: $0.execution.attempt, startedAt: t0 + 3,
                            finishedAt: t0 + 3.01, outcome: .succeeded(result: "ok"))
                    }, now: t0 + 4)
            }
        }
        print("claimExecutions + complete: \(done) in batches of 500 (cache warm): \(rounds)")
    }
}

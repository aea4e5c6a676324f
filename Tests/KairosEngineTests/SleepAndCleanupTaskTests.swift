import Foundation
import KairosCore
import KairosSQLite
import KairosStore
import Testing

@testable import KairosEngine

@Suite("system.noop, system.sleep and system.cleanup-history", .timeLimit(.minutes(1)))
struct SleepAndCleanupTaskTests {
    @Test("noop answers ok")
    func noop() async throws {
        #expect(try await NoopTask().run(args: [:], context: .forTest()) == "ok")
    }

    @Test("sleep waits and says how long", arguments: [(0.0, "slept 0s"), (0.05, "slept 0.05s"), (1.0, "slept 1s")])
    func sleep(seconds: Double, expected: String) async throws {
        var result: String?
        let took = try await secondsElapsed {
            result = try await SleepTask().run(args: ["seconds": .number(seconds)], context: .forTest())
        }
        #expect(result == expected)
        #expect(took >= seconds * 0.9)
    }

    @Test("a cancelled sleep ends at once")
    func sleepCancelled() async throws {
        let took = await secondsElapsed {
            let running = Task { try await SleepTask().run(args: ["seconds": 3600], context: .forTest()) }
            try? await Task.sleep(for: .milliseconds(50))
            running.cancel()
            let result = await running.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
        #expect(took < 5)
    }

    @Test("sleep with bad arguments fails instead of guessing")
    func sleepBadArguments() async throws {
        let error = await #expect(throws: TaskFailure.self) {
            try await SleepTask().run(args: ["seconds": "ten"], context: .forTest())
        }
        #expect(error?.message.contains("seconds") == true)
    }

    /// End to end on the real SQLite store (no fake): executions cancelled 40 days ago are
    /// deleted in batches, recent ones stay.
    @Test("cleanup deletes executions older than the retention, in batches")
    func cleanup() async throws {
        try await withBuiltInRegistry { _, store in
            let now = try Timestamp.parse("2026-06-01T12:00:00Z")
            let old = now.addingTimeInterval(-40 * 86_400)
            let recent = now.addingTimeInterval(-86_400)
            let job = try await store.createJob(
                try JobSpec(key: "cleanup-target", task: "system.noop", schedule: .interval(try IntervalSchedule(days: 1)), maxInstances: 10),
                now: old)
            for (count, when) in [(5, old), (2, recent)] {
                for offset in 0..<count {
                    let at = when.addingTimeInterval(Double(offset))
                    let execution = try await store.trigger(jobId: job.id, now: at)
                    _ = try await store.cancel(executionId: execution.id, now: at)
                }
            }
            let task = CleanupHistoryTask(history: store, now: { now })
            let result = try await task.run(args: ["retentionDays": 30, "batchSize": 2], context: .forTest())
            #expect(result == "deleted 5 executions older than 30 days")
            #expect(try await store.executionCounts()[.cancelled] == 2)

            let again = try await task.run(args: [:], context: .forTest())
            #expect(again == "deleted 0 executions older than 30 days")
        }
    }

    @Test("a cancelled cleanup stops between batches")
    func cleanupCancelled() async throws {
        try await withBuiltInRegistry { _, store in
            let task = CleanupHistoryTask(history: store)
            let running = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await task.run(args: [:], context: .forTest())
            }
            let result = await running.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }
}

import Foundation
import GRDB
import KairosCore
@testable import KairosSQLite
import KairosStore
import Testing

/// WAL checkpoints off the writer's path (``SQLiteJobStore/runMaintenance()``).
@Suite("SQLite store: checkpoints by the maintenance connection")
struct SQLiteCheckpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func writerAutoCheckpoint(_ store: SQLiteJobStore) async throws -> Int {
        try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
    }

    /// Jobs with 8 KB of arguments each: `count` of them write about `count` × 10 KB of log.
    func heavySpecs(_ range: Range<Int>) throws -> [JobSpec] {
        let filler = String(repeating: "x", count: 8_192)
        return try range.map { index in
            var spec = try JobSpec(key: "heavy-\(index)", task: "system.noop", schedule: .interval(try IntervalSchedule(minutes: 5)))
            spec.args = ["filler": .string(filler)]
            return spec
        }
    }

    @Test func whileMaintenanceRunsTheWriterLeavesCheckpointsToItAndTheLogStartsAgainInsteadOfGrowing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("wal.db"))
        #expect(try await writerAutoCheckpoint(store) == SQLiteJobStore.writerAutoCheckpoint)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.runMaintenance() }
            var off = false
            for _ in 0..<200 where !off {
                off = try await writerAutoCheckpoint(store) == 0
                if !off { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(off, "the writer no longer checkpoints on its own")
            // About 40 MB of log, five times the size past which the log starts again.
            for batch in 0..<40 {
                _ = try await store.createJobs(try heavySpecs(batch * 100..<(batch + 1) * 100), now: Self.now)
            }
            let size = try FileManager.default.attributesOfItem(atPath: directory.path("wal.db") + "-wal")[.size] as? Int ?? 0
            #expect(size > 0)
            #expect(size < 24 << 20, "the log started again from its beginning: \(size) bytes after 40 MB of commits")
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(try await writerAutoCheckpoint(store) == SQLiteJobStore.writerAutoCheckpoint, "stopped: the writer checkpoints again")
        #expect(try await store.jobCounts()[.active] == 4_000)
        let reopened = try SQLiteJobStore(path: directory.path("wal.db"))
        #expect(try await reopened.job(key: "heavy-3999")?.spec.args["filler"] == .string(String(repeating: "x", count: 8_192)))
    }

    @Test func maintenanceStopsPromptlyWhenCancelled() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteJobStore(path: directory.path("stop.db"))
        var waited = Duration.zero
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.runMaintenance() }
            var running = false
            for _ in 0..<500 where !running {
                running = try await writerAutoCheckpoint(store) == 0
                if !running { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(running, "the maintenance runs (the writer no longer checkpoints)")
            // From the cancellation only: when the whole test run starts at once on two cores,
            // opening and starting can take seconds of waiting for a thread (15 s on CI).
            let cancelled = ContinuousClock.now
            group.cancelAll()
            try await group.waitForAll()
            waited = ContinuousClock.now - cancelled
        }
        #expect(waited < .seconds(5), "stopped \(waited) after its cancellation")
        #expect(try await writerAutoCheckpoint(store) == SQLiteJobStore.writerAutoCheckpoint)
    }
}

import Foundation
import KairosSQLite
import KairosStore
import KairosTestSupport
import Testing

/// `kairos bench seed`, run as a process, then read through the store.
@Suite("kairos bench seed")
struct SeedBenchTests {
    @Test("stores N jobs in batches (1 % paused, 1 % disabled), prints its rate, refuses a store that holds jobs", arguments: ["cron", "interval"])
    func seed(kind: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seed.db").path
        let result = try await KairosProcess.run(["bench", "seed", "--store", "sqlite:\(path)", "--jobs", "1500", "--kind", kind, "--batch", "400"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["jobs"] as? Int == 1500)
        #expect((object["perSecond"] as? Int ?? 0) > 0)

        let store = try SQLiteJobStore(path: path)
        let counts = try await store.jobCounts()
        #expect(counts == [.active: 1470, .paused: 15, .disabled: 15, .finished: 0])
        let first = try #require(try await store.job(key: "seed-0000001"))
        #expect(first.spec.task == "system.noop")
        #expect(first.nextRunAt != nil, "the first fire is computed by the store, from the spec")
        let last = try #require(try await store.job(key: "seed-0001500"))
        #expect(last.spec.name != last.key)

        let again = try await KairosProcess.run(["bench", "seed", "--store", "sqlite:\(path)", "--jobs", "10"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds jobs"))
    }
}

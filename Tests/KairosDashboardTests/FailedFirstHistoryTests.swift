import Foundation
import KairosCore
import KairosStore
import MemoryJobStore
import Testing

@testable import KairosDashboard

/// The executions page's "failed first" order, read through its own cursors.
@Suite struct FailedFirstHistoryTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Twelve executions of one job, one a second: every third failed, the last one queued.
    static func seeded() async throws -> (MemoryJobStore, [Execution]) {
        let store = MemoryJobStore()
        let spec = try JobSpec(key: "mixed", task: "system.noop", schedule: .cron(try CronSchedule(expression: "0 0 1 1 *")), maxInstances: 10)
        let job = try await store.createJob(spec, now: t0)
        for index in 0..<12 {
            let now = t0.addingTimeInterval(Double(index))
            _ = try await store.trigger(jobId: job.id, now: now)
            guard index < 11 else { break }
            let claimed = try #require(try await store.claimExecutions(instanceId: "w", now: now, horizon: now, limit: 1, leaseUntil: now.addingTimeInterval(60)).first)
            let outcome: Completion.Outcome = index % 3 == 0
                ? .failed(ExecutionError(reason: ExecutionError.exception, message: "boom"), result: nil, retryAt: nil) : .succeeded(result: nil)
            try await store.complete(
                [Completion(executionId: claimed.execution.id, instanceId: "w", attempt: 1, startedAt: now, finishedAt: now, outcome: outcome)], now: now)
        }
        let all = try await store.history(HistoryQuery(limit: 100)).items
        #expect(all.count == 12)
        return (store, all)
    }

    func allPages(_ history: FailedFirstHistory) async throws -> [Execution] {
        var items: [Execution] = []
        var cursor: String?
        for _ in 0..<100 {
            let page = try await history.page(after: cursor)
            #expect(page.items.count <= history.query.limit)
            #expect(!page.items.isEmpty, "no empty page behind a next link")
            items += page.items
            guard let next = page.nextCursor else { return items }
            cursor = next
        }
        Issue.record("the pages did not end")
        return items
    }

    @Test("failed executions first, then the others, each newest first, each once, whatever the page size", arguments: [1, 2, 3, 4, 5, 12, 50])
    func failedFirst(pageSize: Int) async throws {
        let (store, all) = try await Self.seeded()
        let listed = try await allPages(FailedFirstHistory(store: store, query: HistoryQuery(limit: pageSize)))
        let expected = all.filter { $0.status == .failed } + all.filter { $0.status != .failed }
        #expect(listed.map(\.id) == expected.map(\.id))
        #expect(expected.prefix(4).allSatisfy { $0.status == .failed })
    }

    @Test("with a status filter, only those statuses, failed ones first when asked for")
    func withFilters() async throws {
        let (store, all) = try await Self.seeded()
        let succeeded = try await allPages(FailedFirstHistory(store: store, query: HistoryQuery(statuses: [.succeeded], limit: 3)))
        #expect(succeeded.map(\.id) == all.filter { $0.status == .succeeded }.map(\.id))
        let failedOnly = try await allPages(FailedFirstHistory(store: store, query: HistoryQuery(statuses: [.failed], limit: 2)))
        #expect(failedOnly.map(\.id) == all.filter { $0.status == .failed }.map(\.id))
        let late = try await allPages(
            FailedFirstHistory(store: store, query: HistoryQuery(scheduledFrom: Self.t0.addingTimeInterval(6), limit: 2)))
        #expect(late.map(\.scheduledAt) == [9, 6, 11, 10, 8, 7].map { Self.t0.addingTimeInterval(Double($0)) })
    }

    @Test("a cursor that is not one of this order's is a clear error", arguments: ["nonsense", "failed:!!", "rest:garbage"])
    func badCursor(cursor: String) async throws {
        let (store, _) = try await Self.seeded()
        await #expect(throws: (any Error).self, "\(cursor)") {
            _ = try await FailedFirstHistory(store: store, query: HistoryQuery(limit: 5)).page(after: cursor)
        }
    }
}

import Foundation
import KairosStore
import Testing

@testable import KairosEngine

/// What the worker pool's flush loop writes next, and which returned runs still hold their
/// jobs' slots in the store (``LocalClaim/finishing``).
@Suite("Pending writes")
struct PendingWritesTests {
    private static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private static func completion(_ outcome: Completion.Outcome) -> Completion {
        Completion(executionId: UUID(), instanceId: "a", attempt: 1, startedAt: t0, finishedAt: t0 + 0.01, outcome: outcome)
    }

    @Test("a returned run stays finishing while its batch is taken, put back after a failed write, taken again, until the write succeeds")
    func finishingUntilWritten() {
        var pending = PendingWrites()
        let jobId = UUID()
        let returned = Self.completion(.succeeded(result: nil))
        pending.completions.append(returned)
        pending.finishing[returned.executionId] = jobId

        let batch = pending.take()
        #expect(pending.completions.isEmpty && pending.finishing == [returned.executionId: jobId], "taken, not written: still holds its slot")
        pending.putBack(batch)
        #expect(pending.finishing == [returned.executionId: jobId])

        let written = pending.take()
        pending.written(written)
        #expect(pending.finishing.isEmpty, "written: the slot is free in the store too")
    }

    @Test("only the batch written is forgotten; runs that returned since stay finishing")
    func laterRunsStay() {
        var pending = PendingWrites()
        let first = Self.completion(.succeeded(result: nil))
        pending.completions.append(first)
        pending.finishing[first.executionId] = UUID()
        let batch = pending.take()
        let later = Self.completion(.succeeded(result: nil))
        pending.completions.append(later)
        pending.finishing[later.executionId] = UUID()
        pending.written(batch)
        #expect(Set(pending.finishing.keys) == [later.executionId])
    }
}

import Foundation
import KairosStore

/// What the flush loop writes next: attempt starts and outcomes, in arrival order.
struct PendingWrites: Sendable {
    var starts: [AttemptStart] = []
    var completions: [Completion] = []
    /// Attempts waiting for their start to be written before they run
    /// (``KairosTask/recordsStartBeforeRunning``): resumed with `true` once it is, `false` when
    /// it never will be (the pool was cancelled or is stopping while the store fails).
    var startWaiters: [(executionId: UUID, continuation: CheckedContinuation<Bool, Never>)] = []
    var done = false
    /// Executions whose attempt returned and whose outcome is not written yet (execution id to
    /// job id): they still hold their jobs' slots in the store (``LocalClaim/finishing``). Kept
    /// across ``take()`` until the batch that holds the outcome is written.
    var finishing: [UUID: UUID] = [:]

    var count: Int { starts.count + completions.count }
    var isEmpty: Bool { starts.isEmpty && completions.isEmpty }

    /// Everything pending, emptied. A start whose outcome is in the same batch is dropped: the
    /// outcome records the start time itself (quick tasks cost one write, not two).
    mutating func take() -> PendingWrites {
        defer {
            starts.removeAll(keepingCapacity: true)
            completions.removeAll(keepingCapacity: true)
            startWaiters.removeAll()
        }
        let finished = Set(completions.lazy.filter { if case .released = $0.outcome { false } else { true } }.map(\.executionId))
        return PendingWrites(starts: starts.filter { !finished.contains($0.executionId) }, completions: completions, startWaiters: startWaiters)
    }

    /// The outcomes of `batch` are written: their executions hold no slot any more.
    mutating func written(_ batch: PendingWrites) {
        for completion in batch.completions { finishing[completion.executionId] = nil }
    }

    /// A batch that could not be written goes back in front of what came since.
    mutating func putBack(_ batch: PendingWrites) {
        starts.insert(contentsOf: batch.starts, at: 0)
        completions.insert(contentsOf: batch.completions, at: 0)
        startWaiters.insert(contentsOf: batch.startWaiters, at: 0)
    }

    /// Resumes the attempts waiting for their starts: `recorded` says whether they were written
    /// (when not, their starts are dropped: those attempts do not run).
    mutating func resumeStartWaiters(recorded: Bool) {
        if !recorded {
            let abandoned = Set(startWaiters.map(\.executionId))
            starts.removeAll { abandoned.contains($0.executionId) }
        }
        for waiter in startWaiters { waiter.continuation.resume(returning: recorded) }
        startWaiters.removeAll()
    }
}

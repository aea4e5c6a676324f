import KairosStore

/// What the flush loop writes next: attempt starts and outcomes, in arrival order.
struct PendingWrites: Sendable {
    var starts: [AttemptStart] = []
    var completions: [Completion] = []
    var done = false

    var count: Int { starts.count + completions.count }
    var isEmpty: Bool { starts.isEmpty && completions.isEmpty }

    /// Everything pending, emptied. A start whose outcome is in the same batch is dropped: the
    /// outcome records the start time itself (quick tasks cost one write, not two).
    mutating func take() -> PendingWrites {
        defer {
            starts.removeAll(keepingCapacity: true)
            completions.removeAll(keepingCapacity: true)
        }
        let finished = Set(completions.lazy.filter { if case .released = $0.outcome { false } else { true } }.map(\.executionId))
        return PendingWrites(starts: starts.filter { !finished.contains($0.executionId) }, completions: completions)
    }

    /// A batch that could not be written goes back in front of what came since.
    mutating func putBack(_ batch: PendingWrites) {
        starts.insert(contentsOf: batch.starts, at: 0)
        completions.insert(contentsOf: batch.completions, at: 0)
    }
}
